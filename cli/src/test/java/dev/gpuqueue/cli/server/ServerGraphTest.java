package dev.gpuqueue.cli.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Injector;
import dev.gpuqueue.cli.runner.FileJobConfigs;
import dev.gpuqueue.cli.runner.ProcessJobLauncher;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.port.JobConfigs;
import dev.gpuqueue.core.port.JobLauncher;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.service.QueueService;
import dev.gpuqueue.core.service.Reconciler;
import dev.gpuqueue.core.service.Scheduler;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.gpu.GpuInventories;
import dev.gpuqueue.sqlite.SqliteDatabase;
import dev.gpuqueue.sqlite.SqliteJobStore;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole Guice graph of the server builds and wires the real adapters. */
class ServerGraphTest {
    @TempDir
    Path home;

    @Test
    void theInjectorBuildsEveryPartOnOneDatabase() {
        ServerConfig config = ServerConfig.of("127.0.0.1", 0, home, home.resolve("configs"), "4", Duration.ofSeconds(2));
        Injector injector = GpuqueueServer.injector(config, GpuInventories.select("4"));

        try (SqliteDatabase db = injector.getInstance(SqliteDatabase.class)) {
            assertThat(injector.getInstance(JobStore.class)).isInstanceOf(SqliteJobStore.class);
            assertThat(injector.getInstance(JobLauncher.class)).isInstanceOf(ProcessJobLauncher.class);
            assertThat(injector.getInstance(JobConfigs.class)).isInstanceOf(FileJobConfigs.class);
            assertThat(injector.getInstance(GpuInventory.class).indices()).containsExactly(0, 1, 2, 3);
            assertThat(injector.getInstance(Scheduler.class).interval()).isEqualTo(Duration.ofSeconds(2));
            assertThat(injector.getInstance(QueueService.class)).isSameAs(injector.getInstance(QueueService.class));
            assertThat(injector.getInstance(Reconciler.class)).isNotNull();
            assertThat(injector.getInstance(UserAdmin.class).singleUserMode()).isTrue();
            assertThat(db.file()).isEqualTo(home.resolve("jobs.db"));
        }
    }
}
