package dev.gpuqueue.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import dev.gpuqueue.core.model.GpuDevice;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real JNA path without a GPU: compiles variants of a stub NVML with gcc ({@code nvml_stub.c}
 * says what each flag does), loads them by path and reads them through {@link NvmlGpuInventory}.
 * Each variant gets its own file name, so JNA's cache of libraries by name never hands one test's
 * stub to another. Skipped, saying so, where gcc is missing.
 */
class NvmlStubLibraryTest {
    private static final long GIB = 1L << 30;
    private static final long RESERVED = 512L << 20;

    @TempDir
    Path dir;

    /** Builds the stub with {@code flags} as {@code libnvml-stub-<variant>.so}. */
    private Path compile(String variant, String... flags) throws Exception {
        return compileAs(dir.resolve(variant).resolve("libnvml-stub-" + variant + ".so"), flags);
    }

    private Path compileAs(Path library, String... flags) throws Exception {
        Path source = dir.resolve("nvml_stub.c");
        try (InputStream in = getClass().getResourceAsStream("nvml_stub.c")) {
            Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.createDirectories(library.getParent());
        List<String> command = new ArrayList<>(List.of("gcc", "-shared", "-fPIC", "-Wall", "-Werror"));
        command.addAll(List.of(flags));
        command.addAll(List.of("-o", library.toString(), source.toString()));
        Process gcc;
        try {
            gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "gcc is not installed, so the stub NVML library cannot be built: " + e.getMessage());
            return null;
        }
        assertThat(gcc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(gcc.getInputStream().readAllBytes());
        assertThat(gcc.exitValue()).as("gcc: " + output).isZero();
        return library;
    }

    private static NvmlGpuInventory open(Path library) {
        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe(library.toString());
        assertThat(probe.available()).as(String.valueOf(probe.reason())).isTrue();
        return probe.inventory();
    }

    private static int stubCounter(NvmlLoader.Availability availability, String function) {
        NativeLibrary library = ((Library.Handler) Proxy.getInvocationHandler(availability.library())).getNativeLibrary();
        return library.getFunction(function).invokeInt(new Object[0]);
    }

    @Test
    void aDriverThatIsNotLoadedIsReportedThroughTheRealJnaPath() throws Exception {
        Path library = compile("no-driver", "-DINIT_RESULT=9");

        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe(library.toString());

        assertThat(probe.available()).isFalse();
        assertThat(probe.reason())
                .isEqualTo("not available: nvmlInit_v2 failed: NVML_ERROR_DRIVER_NOT_LOADED (Driver Not Loaded)");
    }

    @Test
    void devicesAndTheirStructsAreReadThroughTheRealJnaPath() throws Exception {
        Path library = compile("two-gpus");

        NvmlGpuInventory inventory = open(library);

        List<GpuDevice> devices = inventory.devices();
        assertThat(devices).extracting(GpuDevice::name).containsExactly("Stub GPU 0", "Stub GPU 1");
        assertThat(devices).extracting(GpuDevice::uuid).containsExactly("GPU-stub-0", "GPU-stub-1");
        assertThat(devices).extracting(GpuDevice::pciBusId).containsExactly("00000000:07:00.0", "00000000:08:00.0");
        assertThat(devices).extracting(GpuDevice::memoryTotalBytes).containsOnly(80 * GIB);
        assertThat(devices).extracting(GpuDevice::memoryUsedBytes).as("v2, without the reserved memory")
                .containsExactly(GIB, 2 * GIB);
        assertThat(devices).extracting(GpuDevice::utilizationPercent).containsExactly(40, 41);
        assertThat(devices).extracting(GpuDevice::computeProcesses).containsExactly(0, 3);
        assertThat(devices).extracting(GpuDevice::migEnabled).containsExactly(false, false);
        assertThat(inventory.driverVersion()).isEqualTo("999.1.2-stub");
        assertThat(inventory.library()).isEqualTo(library.toRealPath().toString());
        assertThat(inventory.entryPoints()).containsEntry("memory", "nvmlDeviceGetMemoryInfo_v2")
                .containsEntry("compute processes", "nvmlDeviceGetComputeRunningProcesses_v3");
    }

    @Test
    void nvmlIsInitialisedOnceForManyQueriesAndShutDownOnClose() throws Exception {
        NvmlLoader.Availability availability = NvmlLoader.load(List.of(compile("init-once").toString()));
        NvmlGpuInventory inventory = NvmlGpuInventory.probe(availability).inventory();

        for (int i = 0; i < 10; i++) {
            assertThat(inventory.devices()).hasSize(2);
        }
        assertThat(stubCounter(availability, "stub_inits")).isEqualTo(1);
        assertThat(stubCounter(availability, "stub_shutdowns")).isZero();

        inventory.close();

        assertThat(stubCounter(availability, "stub_shutdowns")).isEqualTo(1);
        assertThatThrownBy(inventory::devices).isInstanceOf(NvmlException.class);
    }

    @Test
    void withoutTheV3ProcessCallTheV2OneCounts() throws Exception {
        NvmlGpuInventory inventory = open(compile("no-v3", "-DNO_PROCESSES_V3"));

        assertThat(inventory.devices()).extracting(GpuDevice::computeProcesses).containsExactly(0, 3);
        assertThat(inventory.entryPoints()).containsEntry("compute processes", "nvmlDeviceGetComputeRunningProcesses_v2");
    }

    @Test
    void withOnlyTheUnversionedProcessCallItCounts() throws Exception {
        NvmlGpuInventory inventory = open(compile("unversioned", "-DNO_PROCESSES_V3", "-DNO_PROCESSES_V2"));

        assertThat(inventory.devices()).extracting(GpuDevice::computeProcesses).containsExactly(0, 3);
        assertThat(inventory.entryPoints()).containsEntry("compute processes", "nvmlDeviceGetComputeRunningProcesses");
    }

    @Test
    void withoutMemoryInfoV2TheV1FiguresAreUsed() throws Exception {
        NvmlGpuInventory inventory = open(compile("no-memory-v2", "-DNO_MEMORY_V2"));

        assertThat(inventory.devices()).extracting(GpuDevice::memoryUsedBytes).as("v1 counts the reserved memory as used")
                .containsExactly(GIB + RESERVED, 2 * GIB + RESERVED);
        assertThat(inventory.entryPoints()).containsEntry("memory", "nvmlDeviceGetMemoryInfo");
    }

    @Test
    void aDeviceWhoseHandleIsRefusedIsLeftOutAndTheOtherIsRead() throws Exception {
        NvmlGpuInventory inventory = open(compile("denied", "-DDENIED_DEVICE=1"));

        assertThat(inventory.devices()).extracting(GpuDevice::uuid).containsExactly("GPU-stub-0");
        assertThat(inventory.indices()).containsExactly(0);
        assertThat(inventory.skipped()).singleElement().satisfies(s -> {
            assertThat(s.index()).isEqualTo(1);
            assertThat(s.reason()).isEqualTo(
                    "nvmlDeviceGetHandleByIndex_v2(1) failed: NVML_ERROR_NO_PERMISSION (Insufficient Permissions)");
        });
    }

    @Test
    void aMigEnabledGpuIsListedWithUnknownMemoryAndProcessesWhenNotPermitted() throws Exception {
        NvmlGpuInventory inventory = open(compile("mig", "-DMIG_DEVICE=0"));

        List<GpuDevice> devices = inventory.devices();

        assertThat(devices).hasSize(2);
        GpuDevice mig = devices.get(0);
        assertThat(mig.migEnabled()).isTrue();
        assertThat(mig.uuid()).isEqualTo("GPU-stub-0");
        assertThat(mig.memoryTotalBytes()).isZero();
        assertThat(mig.memoryUsedBytes()).isZero();
        assertThat(mig.computeProcesses()).isNull();
        assertThat(mig.utilizationPercent()).isNull();
        GpuDevice whole = devices.get(1);
        assertThat(whole.migEnabled()).isFalse();
        assertThat(whole.memoryUsedBytes()).isEqualTo(2 * GIB);
        assertThat(whole.computeProcesses()).isEqualTo(3);
        assertThat(inventory.indices()).containsExactly(0, 1);
    }

    @Test
    void aLibraryLackingACallTheInventoryNeedsIsNotAvailableInsteadOfThrowing() throws Exception {
        NvmlLoader.Availability availability = NvmlLoader.load(List.of(compile("no-count", "-DNO_COUNT_V2").toString()));

        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe(availability);

        assertThat(probe.available()).isFalse();
        assertThat(probe.reason()).startsWith("not available: UnsatisfiedLinkError: Error looking up function"
                + " 'nvmlDeviceGetCount_v2'");
        assertThat(stubCounter(availability, "stub_shutdowns")).as("NVML shut down again").isEqualTo(1);
        assertThat(GpuInventories.select(null, () -> probe).backend()).isEqualTo("none");
    }

    @Test
    void theDriversSonameIsLoadedBeforeThePlainNameWhichMayBeAStub() throws Exception {
        Path soname = compileAs(dir.resolve("lib/libnvidia-ml.so.1"));
        compileAs(dir.resolve("lib/libnvidia-ml.so"), "-DDRIVER_VERSION=\"decoy\"");
        String before = System.getProperty("jna.library.path");
        System.setProperty("jna.library.path", soname.getParent().toString());
        NvmlLoader.Availability availability = null;
        try {
            availability = NvmlLoader.load(NvmlLoader.DEFAULT_NAMES);
            NvmlGpuInventory inventory = NvmlGpuInventory.probe(availability).inventory();

            assertThat(availability.path()).isEqualTo(soname.toRealPath().toString());
            assertThat(inventory.driverVersion()).isEqualTo("999.1.2-stub");
            inventory.close();
        } finally {
            restore("jna.library.path", before);
            if (availability != null && availability.isLoaded()) {
                // JNA caches the library under "nvidia-ml" and "libnvidia-ml.so.1"; closing it drops
                // those entries, so the system probe of another test cannot be handed this stub.
                ((Library.Handler) Proxy.getInvocationHandler(availability.library())).getNativeLibrary().close();
            }
        }
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    @Test
    void aLibraryThatDoesNotExistIsNotAvailableWithTheReason() {
        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe(dir.resolve("missing/libnvidia-ml.so.1").toString());

        assertThat(probe.available()).isFalse();
        assertThat(probe.reason()).startsWith("not available: NVML library not found (");
    }
}
