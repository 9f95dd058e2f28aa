package dev.gpuqueue.core.port;

import dev.gpuqueue.core.model.GpuDevice;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/** The GPUs of this machine, as the scheduler may allocate them. Implementations are thread-safe. */
public interface GpuInventory {

    /** A current snapshot of every device, by index. */
    List<GpuDevice> devices();

    /** Where the devices come from: {@code nvml}, {@code simulated}, {@code none}, or an embedder's own word. */
    String backend();

    /** The allocatable GPU indices. */
    default SortedSet<Integer> indices() {
        SortedSet<Integer> indices = new TreeSet<>();
        devices().forEach(d -> indices.add(d.index()));
        return indices;
    }

    /** An inventory that never changes. */
    static GpuInventory fixed(String backend, List<GpuDevice> devices) {
        List<GpuDevice> copy = List.copyOf(devices);
        return new GpuInventory() {
            @Override
            public List<GpuDevice> devices() {
                return copy;
            }

            @Override
            public String backend() {
                return backend;
            }
        };
    }

    /** No GPUs at all. */
    static GpuInventory none() {
        return fixed("none", List.of());
    }
}
