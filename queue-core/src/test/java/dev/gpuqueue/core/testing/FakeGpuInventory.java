package dev.gpuqueue.core.testing;

import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.port.GpuInventory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** A GPU inventory that tests size and resize. Thread-safe. */
public final class FakeGpuInventory implements GpuInventory {
    private static final long GB = 1L << 30;
    private final AtomicReference<List<GpuDevice>> devices = new AtomicReference<>(List.of());

    public static FakeGpuInventory withGpus(int count) {
        FakeGpuInventory inventory = new FakeGpuInventory();
        inventory.resize(count);
        return inventory;
    }

    /** Replaces the inventory by {@code count} 40 GB "Fake A100" devices, indices 0..count-1. */
    public void resize(int count) {
        List<GpuDevice> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(new GpuDevice(i, "GPU-fake-" + i, null, "Fake A100", 40 * GB, 0, 0, 0, false));
        }
        devices.set(List.copyOf(list));
    }

    @Override
    public List<GpuDevice> devices() {
        return devices.get();
    }

    @Override
    public String backend() {
        return "fake";
    }
}
