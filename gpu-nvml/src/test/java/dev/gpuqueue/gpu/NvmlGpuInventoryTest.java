package dev.gpuqueue.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.model.GpuDevice;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The NVML mapping against a hand-written fake of the native interface. */
class NvmlGpuInventoryTest {
    private static final long GIB = 1L << 30;

    private static FakeNvml twoGpus() {
        return new FakeNvml()
                .with(new FakeNvml.Device("NVIDIA A100-SXM4-40GB", "GPU-aaaa", "00000000:07:00.0", 40 * GIB, 10 * GIB, 35, 2))
                .with(new FakeNvml.Device("NVIDIA A100-SXM4-40GB", "GPU-bbbb", "00000000:0F:00.0", 40 * GIB, 0, null, 0));
    }

    private static NvmlGpuInventory open(FakeNvml nvml) {
        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe(nvml);
        assertThat(probe.available()).as(String.valueOf(probe.reason())).isTrue();
        return probe.inventory();
    }

    @Test
    void twoDevicesAreMappedFieldByField() {
        NvmlGpuInventory inventory = open(twoGpus());

        List<GpuDevice> devices = inventory.devices();

        assertThat(devices).hasSize(2);
        GpuDevice first = devices.get(0);
        assertThat(first.index()).isZero();
        assertThat(first.name()).isEqualTo("NVIDIA A100-SXM4-40GB");
        assertThat(first.uuid()).isEqualTo("GPU-aaaa");
        assertThat(first.pciBusId()).isEqualTo("00000000:07:00.0");
        assertThat(first.memoryTotalBytes()).isEqualTo(40 * GIB);
        assertThat(first.memoryUsedBytes()).as("v2: without the driver's reserved memory").isEqualTo(10 * GIB);
        assertThat(first.memoryPercent()).isEqualTo(25.0);
        assertThat(first.utilizationPercent()).isEqualTo(35);
        assertThat(first.computeProcesses()).isEqualTo(2);
        assertThat(first.migEnabled()).isFalse();
        assertThat(devices.get(1).utilizationPercent()).as("not supported -> null").isNull();
        assertThat(devices.get(1).computeProcesses()).isZero();
        assertThat(inventory.indices()).containsExactly(0, 1);
        assertThat(inventory.backend()).isEqualTo("nvml");
        assertThat(inventory.driverVersion()).isEqualTo("550.54.15");
        assertThat(inventory.skipped()).isEmpty();
        assertThat(inventory.entryPoints()).containsEntry("memory", "nvmlDeviceGetMemoryInfo_v2")
                .containsEntry("compute processes", "nvmlDeviceGetComputeRunningProcesses_v3")
                .containsEntry("MIG mode", "nvmlDeviceGetMigMode");
    }

    @Test
    void nvmlIsInitialisedOnceWhenOpenedAndShutDownOnceWhenClosed() {
        FakeNvml nvml = twoGpus();
        NvmlGpuInventory inventory = open(nvml);

        for (int i = 0; i < 5; i++) {
            assertThat(inventory.devices()).hasSize(2);
        }
        assertThat(nvml.inits).isEqualTo(1);
        assertThat(nvml.shutdowns).isZero();

        inventory.close();
        inventory.close();

        assertThat(nvml.shutdowns).isEqualTo(1);
        assertThatThrownBy(inventory::devices).isInstanceOfSatisfying(NvmlException.class,
                e -> assertThat(e.result()).isEqualTo(NvmlReturn.ERROR_UNINITIALIZED));
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
    void aLibraryLackingAFunctionTheInventoryNeedsIsNotAvailableWithTheReasonAndNvmlIsShutDown() {
        FakeNvml nvml = twoGpus().without("nvmlDeviceGetCount_v2");

        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe(nvml);

        assertThat(probe.available()).isFalse();
        assertThat(probe.reason()).isEqualTo("not available: UnsatisfiedLinkError: Error looking up function"
                + " 'nvmlDeviceGetCount_v2': undefined symbol: nvmlDeviceGetCount_v2");
        assertThat(nvml.shutdowns).isEqualTo(nvml.inits);
        assertThat(GpuInventories.select(null, () -> probe).backend()).isEqualTo("none");
    }

    @Test
    void aLibraryWithoutEvenInitIsNotAvailable() {
        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe(twoGpus().without("nvmlInit_v2"));

        assertThat(probe.available()).isFalse();
        assertThat(probe.reason()).startsWith("not available: UnsatisfiedLinkError:").contains("nvmlInit_v2");
    }

    @ParameterizedTest
    @CsvSource({
            "'', nvmlDeviceGetComputeRunningProcesses_v3",
            "nvmlDeviceGetComputeRunningProcesses_v3, nvmlDeviceGetComputeRunningProcesses_v2",
            "nvmlDeviceGetComputeRunningProcesses_v3 nvmlDeviceGetComputeRunningProcesses_v2, nvmlDeviceGetComputeRunningProcesses"})
    void processCountsFallBackFromV3ToV2ToTheUnversionedCall(String missing, String used) {
        FakeNvml nvml = twoGpus().without(missing.isEmpty() ? new String[0] : missing.split(" "));
        NvmlGpuInventory inventory = open(nvml);

        assertThat(inventory.devices()).extracting(GpuDevice::computeProcesses).containsExactly(2, 0);
        assertThat(inventory.entryPoints()).containsEntry("compute processes", used);
    }

    @Test
    void anEntryPointAnsweringFunctionNotFoundIsMissingToo() {
        FakeNvml nvml = twoGpus().failing("nvmlDeviceGetComputeRunningProcesses_v3", NvmlReturn.ERROR_FUNCTION_NOT_FOUND);

        NvmlGpuInventory inventory = open(nvml);

        assertThat(inventory.devices()).extracting(GpuDevice::computeProcesses).containsExactly(2, 0);
        assertThat(inventory.entryPoints()).containsEntry("compute processes", "nvmlDeviceGetComputeRunningProcesses_v2");
    }

    @Test
    void withNoProcessCallAtAllTheCountsAreUnknownAndTheRestIsRead() {
        FakeNvml nvml = twoGpus().without("nvmlDeviceGetComputeRunningProcesses_v3",
                "nvmlDeviceGetComputeRunningProcesses_v2", "nvmlDeviceGetComputeRunningProcesses");

        NvmlGpuInventory inventory = open(nvml);

        assertThat(inventory.devices()).hasSize(2).allSatisfy(d -> assertThat(d.computeProcesses()).isNull());
        assertThat(inventory.entryPoints().get("compute processes")).startsWith("none of nvmlDeviceGetComputeRunningProcesses_v3");
    }

    @Test
    void memoryFallsBackToV1WhenTheLibraryLacksV2() {
        NvmlGpuInventory inventory = open(twoGpus().without("nvmlDeviceGetMemoryInfo_v2"));

        assertThat(inventory.devices()).extracting(GpuDevice::memoryUsedBytes).containsExactly(10 * GIB + FakeNvml.RESERVED,
                FakeNvml.RESERVED);
        assertThat(inventory.entryPoints()).containsEntry("memory", "nvmlDeviceGetMemoryInfo");
    }

    @Test
    void memoryFallsBackToV1WhenV2RefusesTheStructVersion() {
        NvmlGpuInventory inventory = open(twoGpus().failing("nvmlDeviceGetMemoryInfo_v2", NvmlReturn.ERROR_ARGUMENT_VERSION_MISMATCH));

        assertThat(inventory.devices().get(0).memoryUsedBytes()).isEqualTo(10 * GIB + FakeNvml.RESERVED);
        assertThat(inventory.entryPoints()).containsEntry("memory", "nvmlDeviceGetMemoryInfo");
    }

    @Test
    void theMemoryV2StructIsFortyBytesAsItsVersionSays() {
        NvmlLibrary.MemoryV2 memory = new NvmlLibrary.MemoryV2();

        assertThat(memory.size()).isEqualTo(40).isEqualTo(NvmlLibrary.NVML_MEMORY_V2 & 0xFFFFFF);
        assertThat(memory.version >>> 24).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(value = NvmlReturn.class, names = {"ERROR_NO_PERMISSION", "ERROR_OPERATING_SYSTEM", "ERROR_GPU_IS_LOST"})
    void aDeviceWhoseHandleIsRefusedIsLeftOutAndTheOthersStay(NvmlReturn refusal) {
        FakeNvml nvml = twoGpus().failing("nvmlDeviceGetHandleByIndex_v2:0", refusal);

        NvmlGpuInventory inventory = open(nvml);

        assertThat(inventory.devices()).extracting(GpuDevice::uuid).containsExactly("GPU-bbbb");
        assertThat(inventory.indices()).containsExactly(1);
        assertThat(inventory.skipped()).singleElement().satisfies(s -> {
            assertThat(s.index()).isZero();
            assertThat(s.result()).isEqualTo(refusal);
            assertThat(s.reason()).startsWith("nvmlDeviceGetHandleByIndex_v2(0) failed: " + refusal.nvmlName());
        });
    }

    @Test
    void aDeviceWhoseUuidCannotBeReadIsLeftOutBecauseJobsAreStartedByUuid() {
        NvmlGpuInventory inventory = open(twoGpus().failing("nvmlDeviceGetUUID:1", NvmlReturn.ERROR_UNKNOWN));

        assertThat(inventory.devices()).extracting(GpuDevice::uuid).containsExactly("GPU-aaaa");
        assertThat(inventory.skipped()).extracting(NvmlGpuInventory.Skipped::index).containsExactly(1);
    }

    @Test
    void everyDeviceRefusedIsAnEmptyNvmlInventoryNotUnavailable() {
        NvmlGpuInventory inventory = open(twoGpus().failing("nvmlDeviceGetHandleByIndex_v2", NvmlReturn.ERROR_NO_PERMISSION));

        assertThat(inventory.devices()).isEmpty();
        assertThat(inventory.indices()).isEmpty();
        assertThat(inventory.skipped()).hasSize(2);
    }

    @Test
    void onAMigEnabledGpuMemoryAndProcessesAreUnknownWhenNotPermittedAndMigModeIsReported() {
        FakeNvml nvml = new FakeNvml()
                .with(new FakeNvml.Device("NVIDIA A100-SXM4-80GB", "GPU-mig", "00000000:07:00.0", 80 * GIB, 0, null, 0, true))
                .with(new FakeNvml.Device("NVIDIA A100-SXM4-80GB", "GPU-whole", "00000000:0F:00.0", 80 * GIB, GIB, 5, 1, false))
                .with(new FakeNvml.Device("Tesla T4", "GPU-t4", "00000000:10:00.0", 16 * GIB, 0, 0, 0, null))
                .failing("nvmlDeviceGetMemoryInfo_v2:0", NvmlReturn.ERROR_NO_PERMISSION)
                .failing("nvmlDeviceGetMemoryInfo:0", NvmlReturn.ERROR_NO_PERMISSION)
                .failing("nvmlDeviceGetComputeRunningProcesses_v3:0", NvmlReturn.ERROR_NO_PERMISSION);

        List<GpuDevice> devices = open(nvml).devices();

        assertThat(devices).hasSize(3);
        GpuDevice mig = devices.get(0);
        assertThat(mig.migEnabled()).isTrue();
        assertThat(mig.memoryTotalBytes()).as("unknown").isZero();
        assertThat(mig.memoryUsedBytes()).as("unknown").isZero();
        assertThat(mig.computeProcesses()).as("unknown").isNull();
        assertThat(mig.uuid()).isEqualTo("GPU-mig");
        assertThat(devices.get(1).migEnabled()).isFalse();
        assertThat(devices.get(1).memoryUsedBytes()).isEqualTo(GIB);
        assertThat(devices.get(1).computeProcesses()).isEqualTo(1);
        assertThat(devices.get(2).migEnabled()).as("a GPU without MIG support").isFalse();
    }

    @Test
    void migModeIsUnknownWhereTheLibraryPredatesMig() {
        assertThat(open(twoGpus().without("nvmlDeviceGetMigMode")).devices())
                .hasSize(2).allSatisfy(d -> assertThat(d.migEnabled()).isNull());
    }

    @Test
    void aGpuLostWhileRunningLeavesTheInventoryAndTheOtherStays() {
        FakeNvml nvml = twoGpus();
        NvmlGpuInventory inventory = open(nvml);
        nvml.failing("nvmlDeviceGetMemoryInfo_v2:1", NvmlReturn.ERROR_GPU_IS_LOST);

        assertThat(inventory.devices()).extracting(GpuDevice::index).containsExactly(0);
        assertThat(inventory.indices()).containsExactly(0);

        nvml.failures.clear();
        assertThat(inventory.devices()).as("a lost GPU stays out").extracting(GpuDevice::index).containsExactly(0);
    }

    @Test
    void anyOtherFailingFieldIsUnknownAndTheDeviceStays() {
        FakeNvml nvml = twoGpus();
        NvmlGpuInventory inventory = open(nvml);
        nvml.failing("nvmlDeviceGetUtilizationRates:0", NvmlReturn.ERROR_UNKNOWN)
                .failing("nvmlDeviceGetComputeRunningProcesses_v3:0", NvmlReturn.ERROR_OPERATING_SYSTEM);

        List<GpuDevice> devices = inventory.devices();

        assertThat(devices).hasSize(2);
        assertThat(devices.get(0).utilizationPercent()).isNull();
        assertThat(devices.get(0).computeProcesses()).isNull();
        assertThat(devices.get(0).memoryUsedBytes()).isEqualTo(10 * GIB);
        assertThat(inventory.indices()).containsExactly(0, 1);
    }

    @Test
    void uuidsAndNamesUpToTheV2BufferSizeAreReadWhole() {
        String uuid = "GPU-" + "0123456789abcdef".repeat(5) + "0123456789";
        String name = "N".repeat(95);
        NvmlGpuInventory inventory = open(new FakeNvml().with(new FakeNvml.Device(name, uuid, "00:01", GIB, 0, 0, 0)));

        GpuDevice device = inventory.devices().get(0);

        assertThat(uuid).hasSize(94);
        assertThat(device.uuid()).isEqualTo(uuid);
        assertThat(device.name()).isEqualTo(name);
    }

    @Test
    void zeroDevicesIsAnEmptyInventoryNotAnError() {
        NvmlGpuInventory inventory = open(new FakeNvml());

        assertThat(inventory.devices()).isEmpty();
        assertThat(inventory.indices()).isEmpty();
    }

    @Test
    void returnCodesKeepTheirNvmlNames() {
        assertThat(NvmlReturn.of(0)).isEqualTo(NvmlReturn.SUCCESS);
        assertThat(NvmlReturn.of(9).nvmlName()).isEqualTo("NVML_ERROR_DRIVER_NOT_LOADED");
        assertThat(NvmlReturn.of(15).nvmlName()).isEqualTo("NVML_ERROR_GPU_IS_LOST");
        assertThat(NvmlReturn.of(22).nvmlName()).isEqualTo("NVML_ERROR_VGPU_ECC_NOT_SUPPORTED");
        assertThat(NvmlReturn.of(30).nvmlName()).isEqualTo("NVML_ERROR_RESET_TYPE_NOT_SUPPORTED");
        assertThat(NvmlReturn.of(12345)).isEqualTo(NvmlReturn.ERROR_UNKNOWN);
        assertThat(NvmlReturn.ERROR_UNKNOWN.code()).isEqualTo(999);
    }
}
