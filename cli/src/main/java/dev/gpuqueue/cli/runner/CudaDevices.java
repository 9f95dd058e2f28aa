package dev.gpuqueue.cli.runner;

import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.port.GpuInventory;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * How an allocated GPU is named in a job's {@code CUDA_VISIBLE_DEVICES}: with NVML, by its UUID
 * (NVML's index need not match CUDA's order, nor stay the same across reboots); with simulated GPUs,
 * by its index. The API and the allocation keep the index. Stateless.
 */
public final class CudaDevices {
    private CudaDevices() {}

    public static IntFunction<String> names(GpuInventory gpus) {
        if (!"nvml".equals(gpus.backend())) {
            return String::valueOf;
        }
        return index -> gpus.devices().stream().filter(d -> d.index() == index).map(GpuDevice::uuid)
                .filter(Objects::nonNull).findFirst().orElse(String.valueOf(index));
    }
}
