package dev.gpuqueue.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.GpuDevice;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Needs a real NVIDIA GPU and driver: run by {@code scripts/gpu-check.sh}, excluded by default.
 * Prints what the script compares with {@code nvidia-smi}. When the script has started a CUDA
 * process, {@code GPU_CHECK_CUDA_UUID} names the GPU it runs on.
 */
@Tag("gpu")
class NvmlRealGpuTest {

    @Test
    void theSystemsGpusAreReadThroughNvml() {
        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe();
        assertThat(probe.available()).as(String.valueOf(probe.reason())).isTrue();

        try (NvmlGpuInventory inventory = probe.inventory()) {
            List<GpuDevice> devices = inventory.devices();
            System.out.println("gpuqueue NVML: library " + inventory.library() + ", driver " + inventory.driverVersion());
            System.out.println("gpuqueue NVML: entry points " + inventory.entryPoints());
            inventory.skipped().forEach(s -> System.out.println("gpuqueue NVML: left out GPU " + s.index() + ": " + s.reason()));
            System.out.println("index, uuid, name, pci.bus_id, memory.total [MiB], memory.used [MiB], utilization.gpu [%],"
                    + " mig.mode.current, compute processes");
            for (GpuDevice d : devices) {
                System.out.printf(Locale.ROOT, "%d, %s, %s, %s, %d MiB, %d MiB, %s, %s, %s%n", d.index(), d.uuid(), d.name(),
                        d.pciBusId(), d.memoryTotalBytes() >> 20, d.memoryUsedBytes() >> 20,
                        d.utilizationPercent() == null ? "[N/A]" : d.utilizationPercent() + " %",
                        d.migEnabled() == null ? "[N/A]" : d.migEnabled() ? "Enabled" : "Disabled",
                        d.computeProcesses() == null ? "[N/A]" : d.computeProcesses());
            }
            assertThat(devices).isNotEmpty().allSatisfy(d -> {
                assertThat(d.name()).isNotBlank();
                assertThat(d.uuid()).startsWith("GPU-");
                assertThat(Boolean.TRUE.equals(d.migEnabled()) || d.memoryTotalBytes() > 0)
                        .as("memory is known on a GPU without MIG").isTrue();
            });
            String cudaUuid = System.getenv("GPU_CHECK_CUDA_UUID");
            if (cudaUuid != null && !cudaUuid.isBlank()) {
                assertThat(devices).filteredOn(d -> d.uuid().equals(cudaUuid)).singleElement()
                        .satisfies(d -> assertThat(d.computeProcesses()).as("the CUDA process the script started")
                                .isNotNull().isPositive());
            }
        }
        try (GpuInventories.Selection selection = GpuInventories.select(null)) {
            assertThat(selection.backend()).isEqualTo("nvml");
        }
    }

    @Test
    void initialisingOnceSavesAnInitAndShutdownPerQuery() {
        NvmlInitCost.Figures figures = NvmlInitCost.measure(NvmlLoader.system(), 200, 20);

        System.out.println("gpuqueue NVML init once: " + figures);
        assertThat(figures.queryMicros()).isPositive();
    }
}
