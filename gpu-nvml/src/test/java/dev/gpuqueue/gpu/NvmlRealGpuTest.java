package dev.gpuqueue.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.GpuDevice;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Needs a real NVIDIA GPU and driver: run by {@code scripts/gpu-check.sh}, excluded by default. */
@Tag("gpu")
class NvmlRealGpuTest {

    @Test
    void theSystemsGpusAreReadThroughNvml() {
        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe();
        assertThat(probe.available()).as(String.valueOf(probe.reason())).isTrue();

        NvmlGpuInventory inventory = probe.inventory();
        List<GpuDevice> devices = inventory.devices();
        System.out.println("NVML driver " + inventory.driverVersion() + ", " + devices.size() + " GPU(s):");
        for (GpuDevice d : devices) {
            System.out.printf("  [%d] %s  uuid=%s  pci=%s  memory=%d/%d MiB  util=%s%%  compute processes=%s%n",
                    d.index(), d.name(), d.uuid(), d.pciBusId(), d.memoryUsedBytes() >> 20, d.memoryTotalBytes() >> 20,
                    d.utilizationPercent(), d.computeProcesses());
        }
        assertThat(devices).isNotEmpty().allSatisfy(d -> {
            assertThat(d.name()).isNotBlank();
            assertThat(d.uuid()).startsWith("GPU-");
            assertThat(d.memoryTotalBytes()).isPositive();
        });
        assertThat(GpuInventories.select(null).backend()).isEqualTo("nvml");
    }
}
