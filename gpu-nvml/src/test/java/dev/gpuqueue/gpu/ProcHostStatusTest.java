package dev.gpuqueue.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.port.HostStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcHostStatusTest {
    @TempDir
    Path proc;

    @Test
    void readsTheFiveMinuteLoadAndUsedMemoryFromProc() throws Exception {
        Files.writeString(proc.resolve("loadavg"), "0.52 2.50 1.10 3/812 12345\n");
        Files.writeString(proc.resolve("meminfo"), """
                MemTotal:       16000000 kB
                MemFree:         2000000 kB
                MemAvailable:    8800000 kB
                Buffers:          100000 kB
                """);

        HostStatus.HostMetrics metrics = new ProcHostStatus(proc).sample();

        assertThat(metrics.loadAverage5Min()).isEqualTo(2.5);
        assertThat(metrics.memoryPercent()).isEqualTo(45.0);
    }

    @Test
    void withoutProcFilesItFallsBackToTheJdk() {
        HostStatus.HostMetrics metrics = new ProcHostStatus(proc.resolve("absent")).sample();

        assertThat(metrics.memoryPercent()).isNotNull().isBetween(0.0, 100.0);
    }

    @Test
    void theRealMachineReportsSaneFigures() {
        HostStatus.HostMetrics metrics = new ProcHostStatus().sample();

        assertThat(metrics.loadAverage5Min()).isNotNull().isGreaterThanOrEqualTo(0.0);
        assertThat(metrics.memoryPercent()).isNotNull().isBetween(0.0, 100.0);
    }
}
