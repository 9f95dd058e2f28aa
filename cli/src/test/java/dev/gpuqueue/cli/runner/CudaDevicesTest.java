package dev.gpuqueue.cli.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.port.GpuInventory;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** What a job's CUDA_VISIBLE_DEVICES names: UUIDs with NVML, indices otherwise. */
class CudaDevicesTest {
    private static final List<GpuDevice> DEVICES = List.of(
            new GpuDevice(0, "GPU-aaaa", "0000:01:00.0", "H200", 1, 0, 0, 0, false),
            new GpuDevice(1, "GPU-bbbb", "0000:02:00.0", "H200", 1, 0, 0, 0, false));

    @Test
    void withNvmlJobsSeeTheirGpusUuids() {
        IntFunction<String> names = CudaDevices.names(GpuInventory.fixed("nvml", DEVICES));

        assertThat(names.apply(1)).isEqualTo("GPU-bbbb");
        assertThat(names.apply(0)).isEqualTo("GPU-aaaa");
    }

    @Test
    void withSimulatedGpusJobsSeeIndices() {
        IntFunction<String> names = CudaDevices.names(GpuInventory.fixed("simulated", DEVICES));

        assertThat(names.apply(1)).isEqualTo("1");
    }
}
