package dev.gpuqueue.cli.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.port.JobLogs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileJobLogsTest {
    @TempDir
    Path logs;

    @Test
    void readsFromAnOffsetAndReportsTheSize() throws Exception {
        Files.writeString(logs.resolve("job1.log"), "hello world\n");
        JobLogs.LogChunk chunk = new FileJobLogs(logs).read(JobId.of("job1"), 6, 3);

        assertThat(new String(chunk.data(), StandardCharsets.UTF_8)).isEqualTo("wor");
        assertThat(chunk.nextOffset()).isEqualTo(9);
        assertThat(chunk.size()).isEqualTo(12);
        assertThat(new FileJobLogs(logs).read(JobId.of("no-log-yet"), 0, 10).size()).isZero();
    }

    @Test
    void deleteRemovesTheJobsLogPidAndExitFilesAndNoOtherJobs() throws Exception {
        for (String file : new String[] {"job1.log", "job1.1.pid", "job1.1.exit", "job1.2.pid", "job10.log", "job10.1.exit"}) {
            Files.writeString(logs.resolve(file), "x");
        }
        new FileJobLogs(logs).delete(JobId.of("job1"));

        try (var left = Files.list(logs)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("job10.log", "job10.1.exit");
        }
        new FileJobLogs(logs).delete(JobId.of("never-ran"));
    }
}
