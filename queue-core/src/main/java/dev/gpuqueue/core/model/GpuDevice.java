package dev.gpuqueue.core.model;

import java.util.Objects;

/**
 * One GPU of the inventory, keyed by its index (the value used in {@code CUDA_VISIBLE_DEVICES}
 * with {@code CUDA_DEVICE_ORDER=PCI_BUS_ID}) and its UUID. PCI bus id, utilization, process count
 * and MIG mode are null where the backend does not report them; memory figures are 0 when unknown.
 * {@code migEnabled} is true when the GPU is partitioned into MIG instances. Immutable.
 */
public record GpuDevice(
        int index,
        String uuid,
        String pciBusId,
        String name,
        long memoryTotalBytes,
        long memoryUsedBytes,
        Integer utilizationPercent,
        Integer computeProcesses,
        Boolean migEnabled) {

    public GpuDevice {
        if (index < 0) {
            throw new IllegalArgumentException("GPU index must be >= 0, got " + index);
        }
        Objects.requireNonNull(name, "name");
        if (memoryTotalBytes < 0 || memoryUsedBytes < 0) {
            throw new IllegalArgumentException("memory figures must be >= 0");
        }
        if (utilizationPercent != null && (utilizationPercent < 0 || utilizationPercent > 100)) {
            throw new IllegalArgumentException("utilization must be 0..100, got " + utilizationPercent);
        }
    }

    /** Used memory as a percentage of total, or 0 when the total is unknown. */
    public double memoryPercent() {
        return memoryTotalBytes == 0 ? 0 : 100.0 * memoryUsedBytes / memoryTotalBytes;
    }
}
