package dev.gpuqueue.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.model.GpuDevice;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The NVML mapping against a hand-written fake of the native interface. */
class NvmlGpuInventoryTest {
    private static final long GIB = 1L << 30;

    private static FakeNvml twoGpus() {
        return new FakeNvml()
                .with(new FakeNvml.Device("NVIDIA A100-SXM4-40GB", "GPU-aaaa", "00000000:07:00.0", 40 * GIB, 10 * GIB, 35, 2))
                .with(new FakeNvml.Device("NVIDIA A100-SXM4-40GB", "GPU-bbbb", "00000000:0F:00.0", 40 * GIB, 0, null, 0));
    }

    @Test
    void twoDevicesAreMappedFieldByField() {
        FakeNvml nvml = twoGpus();

        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe(nvml);

        assertThat(probe.available()).isTrue();
        NvmlGpuInventory inventory = probe.inventory();
        List<GpuDevice> devices = inventory.devices();
        assertThat(devices).hasSize(2);
        GpuDevice first = devices.get(0);
        assertThat(first.index()).isZero();
        assertThat(first.name()).isEqualTo("NVIDIA A100-SXM4-40GB");
        assertThat(first.uuid()).isEqualTo("GPU-aaaa");
        assertThat(first.pciBusId()).isEqualTo("00000000:07:00.0");
        assertThat(first.memoryTotalBytes()).isEqualTo(40 * GIB);
        assertThat(first.memoryUsedBytes()).isEqualTo(10 * GIB);
        assertThat(first.memoryPercent()).isEqualTo(25.0);
        assertThat(first.utilizationPercent()).isEqualTo(35);
        assertThat(first.computeProcesses()).isEqualTo(2);
        assertThat(devices.get(1).utilizationPercent()).as("not supported -> null").isNull();
        assertThat(devices.get(1).computeProcesses()).isZero();
        assertThat(inventory.indices()).containsExactly(0, 1);
        assertThat(inventory.backend()).isEqualTo("nvml");
        assertThat(inventory.driverVersion()).isEqualTo("550.54.15");
        assertThat(nvml.shutdowns).as("every init is paired with a shutdown").isEqualTo(nvml.inits);
    }

    @Test
    void aDriverThatIsNotLoadedMakesNvmlUnavailableWithItsNvmlName() {
        FakeNvml nvml = twoGpus();
        nvml.initResult = NvmlReturn.ERROR_DRIVER_NOT_LOADED;

        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe(nvml);

        assertThat(probe.available()).isFalse();
        assertThat(probe.reason())
                .isEqualTo("not available: nvmlInit_v2 failed: NVML_ERROR_DRIVER_NOT_LOADED (Driver Not Loaded)");
        assertThat(nvml.shutdowns).as("no shutdown without a successful init").isZero();
    }

    @Test
    void aDeviceCallFailingHalfWayIsReportedAndNvmlIsStillShutDown() {
        FakeNvml nvml = twoGpus();
        NvmlGpuInventory inventory = NvmlGpuInventory.probe(nvml).inventory();
        nvml.failing("nvmlDeviceGetMemoryInfo:1", NvmlReturn.ERROR_GPU_IS_LOST);

        assertThatThrownBy(inventory::devices)
                .isInstanceOfSatisfying(NvmlException.class,
                        e -> assertThat(e.result()).isEqualTo(NvmlReturn.ERROR_GPU_IS_LOST))
                .hasMessage("nvmlDeviceGetMemoryInfo(1) failed: NVML_ERROR_GPU_IS_LOST (GPU is lost)");
        assertThat(nvml.shutdowns).isEqualTo(nvml.inits);
        assertThat(inventory.indices()).as("the indices read at open stay").containsExactly(0, 1);
    }

    @Test
    void aFailureWhileOpeningMakesNvmlUnavailable() {
        FakeNvml nvml = twoGpus().failing("nvmlDeviceGetUUID:0", NvmlReturn.ERROR_GPU_IS_LOST);

        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe(nvml);

        assertThat(probe.available()).isFalse();
        assertThat(probe.reason()).contains("nvmlDeviceGetUUID(0)").contains("NVML_ERROR_GPU_IS_LOST");
        assertThat(nvml.shutdowns).isEqualTo(nvml.inits);
    }

    @Test
    void zeroDevicesIsAnEmptyInventoryNotAnError() {
        FakeNvml nvml = new FakeNvml();

        NvmlGpuInventory inventory = NvmlGpuInventory.probe(nvml).inventory();

        assertThat(inventory.devices()).isEmpty();
        assertThat(inventory.indices()).isEmpty();
    }

    @Test
    void returnCodesKeepTheirNvmlNames() {
        assertThat(NvmlReturn.of(0)).isEqualTo(NvmlReturn.SUCCESS);
        assertThat(NvmlReturn.of(9).nvmlName()).isEqualTo("NVML_ERROR_DRIVER_NOT_LOADED");
        assertThat(NvmlReturn.of(15).nvmlName()).isEqualTo("NVML_ERROR_GPU_IS_LOST");
        assertThat(NvmlReturn.of(12345)).isEqualTo(NvmlReturn.ERROR_UNKNOWN);
        assertThat(NvmlReturn.ERROR_UNKNOWN.code()).isEqualTo(999);
    }
}
