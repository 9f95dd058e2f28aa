package dev.gpuqueue.cli.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Injector;
import dev.gpuqueue.cli.runner.FileJobConfigs;
import dev.gpuqueue.cli.runner.FileJobLogs;
import dev.gpuqueue.cli.runner.ProcessJobRunner;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.port.JobConfigs;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.gpu.GpuInventories;
import dev.gpuqueue.sqlite.SqliteDatabase;
import dev.gpuqueue.sqlite.SqliteJobStore;
import dev.gpuqueue.sqlite.SqliteOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's Guice graph only binds, and its parts start in order through one lifecycle. */
class ServerGraphTest {
    @TempDir
    Path home;

    private ServerConfig config() {
        return ServerConfig.of("127.0.0.1", 0, home, home.resolve("configs"), "4", Duration.ofSeconds(2));
    }

    @Test
    void theInjectorBindsEveryAdapterOnOneDatabaseWithoutTouchingAFile() {
        try (GpuInventories.Selection gpus = GpuInventories.select("4");
                SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home))) {
            Injector injector = GpuqueueServer.injector(config(), gpus, db);

            assertThat(injector.getInstance(JobStore.class)).isInstanceOf(SqliteJobStore.class);
            assertThat(injector.getInstance(ProcessJobRunner.class)).isSameAs(injector.getInstance(ProcessJobRunner.class));
            assertThat(injector.getInstance(JobConfigs.class)).isInstanceOf(FileJobConfigs.class);
            assertThat(injector.getInstance(JobLogs.class)).isInstanceOf(FileJobLogs.class);
            assertThat(injector.getInstance(GpuInventory.class).indices()).containsExactly(0, 1, 2, 3);
            assertThat(injector.getInstance(UserAdmin.class).singleUserMode()).isTrue();
            assertThat(home.resolve("bin")).as("the wrapper is installed when the runner starts, not when bound")
                    .doesNotExist();
        }
    }

    @Test
    void thePartsStartInOrderAndAllStop() throws Exception {
        GpuqueueServer server = GpuqueueServer.start(config(), new PrintWriter(new StringWriter()));
        try {
            assertThat(server.parts()).containsExactly("GPUs", "database", "job runner", "recovery", "worker hub", "scheduler loop", "metrics",
                    "HTTP server");
            assertThat(home.resolve("bin/job-wrapper.sh")).exists();
        } finally {
            server.stop();
        }
        assertThat(server.parts()).isEmpty();
        Path wal = home.resolve("jobs.db-wal");
        assertThat(Files.exists(wal) && Files.size(wal) > 0).as("the database was closed: its WAL checkpointed").isFalse();
    }
}
