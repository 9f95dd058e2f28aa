package dev.gpuqueue.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gpuqueue.core.model.GpuDevice;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real JNA path without a GPU: compiles a stub {@code libnvidia-ml.so.1} with gcc, loads it by
 * path and reads it through {@link NvmlGpuInventory}. Skipped, saying so, where gcc is missing.
 */
class NvmlStubLibraryTest {
    @TempDir
    Path dir;

    private Path compile(String variant, int initResult) throws Exception {
        Path source = dir.resolve("nvml_stub.c");
        try (InputStream in = getClass().getResourceAsStream("nvml_stub.c")) {
            Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
        }
        Path libDir = Files.createDirectories(dir.resolve(variant));
        Path library = libDir.resolve("libnvidia-ml.so.1");
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-DINIT_RESULT=" + initResult, "-o", library.toString(),
                    source.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "gcc is not installed, so the stub NVML library cannot be built: " + e.getMessage());
            return null;
        }
        assertThat(gcc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(gcc.getInputStream().readAllBytes());
        assertThat(gcc.exitValue()).as("gcc: " + output).isZero();
        return library;
    }

    @Test
    void aDriverThatIsNotLoadedIsReportedThroughTheRealJnaPath() throws Exception {
        Path library = compile("no-driver", 9);

        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe(library.toString());

        assertThat(probe.available()).isFalse();
        assertThat(probe.reason())
                .isEqualTo("not available: nvmlInit_v2 failed: NVML_ERROR_DRIVER_NOT_LOADED (Driver Not Loaded)");
    }

    @Test
    void devicesAndTheirStructsAreReadThroughTheRealJnaPath() throws Exception {
        Path library = compile("two-gpus", 0);

        NvmlGpuInventory inventory = NvmlGpuInventory.probe(library.toString()).inventory();

        assertThat(inventory).isNotNull();
        List<GpuDevice> devices = inventory.devices();
        assertThat(devices).extracting(GpuDevice::name).containsExactly("Stub GPU 0", "Stub GPU 1");
        assertThat(devices).extracting(GpuDevice::uuid).containsExactly("GPU-stub-0", "GPU-stub-1");
        assertThat(devices).extracting(GpuDevice::pciBusId).containsExactly("00000000:07:00.0", "00000000:08:00.0");
        assertThat(devices).extracting(GpuDevice::memoryTotalBytes).containsOnly(80L << 30);
        assertThat(devices).extracting(GpuDevice::memoryUsedBytes).containsExactly(1L << 30, 2L << 30);
        assertThat(devices).extracting(GpuDevice::utilizationPercent).containsExactly(40, 41);
        assertThat(devices).extracting(GpuDevice::computeProcesses).containsExactly(0, 3);
        assertThat(inventory.driverVersion()).isEqualTo("999.1.2-stub");
    }

    @Test
    void aLibraryThatDoesNotExistIsNotAvailableWithTheReason() {
        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe(dir.resolve("missing/libnvidia-ml.so.1").toString());

        assertThat(probe.available()).isFalse();
        assertThat(probe.reason()).startsWith("not available: NVML library not found (");
    }
}
