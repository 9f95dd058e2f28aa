package dev.gpuqueue.cli.server;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.gpuqueue.cli.runner.FileJobConfigs;
import dev.gpuqueue.cli.runner.FileJobLogs;
import dev.gpuqueue.cli.runner.LaunchOptions;
import dev.gpuqueue.cli.runner.ProcessJobLauncher;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.port.JobConfigs;
import dev.gpuqueue.core.port.JobLauncher;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.UserDirectory;
import dev.gpuqueue.core.service.QueueService;
import dev.gpuqueue.core.service.Reconciler;
import dev.gpuqueue.core.service.Scheduler;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.sqlite.SqliteOptions;
import java.time.Clock;
import java.util.Map;

/** Binds the server's own parts: configuration, clock, configs, logs, launcher and the core services. */
public final class ServerModule extends AbstractModule {
    private final ServerConfig config;
    private final LaunchOptions launch;

    /** {@code launch}: how jobs run, resolved before the injector (the job user is looked up then). */
    public ServerModule(ServerConfig config, LaunchOptions launch) {
        this.config = config;
        this.launch = launch;
    }

    @Override
    protected void configure() {
        bind(ServerConfig.class).toInstance(config);
        bind(Clock.class).toInstance(Clock.systemUTC());
        bind(SqliteOptions.class).toInstance(SqliteOptions.inHome(config.home()).withNewDatabase(config.newDatabase()));
    }

    @Provides
    @Singleton
    JobConfigs configs() {
        return new FileJobConfigs(config.configsDir(), config.home());
    }

    @Provides
    @Singleton
    JobLogs logs() {
        return new FileJobLogs(config.logsDir());
    }

    @Provides
    @Singleton
    JobLauncher launcher() {
        return ProcessJobLauncher.inHome(config.home(), launch);
    }

    @Provides
    @Singleton
    Scheduler scheduler(JobStore store, GpuInventory gpus, JobLauncher launcher, Clock clock) {
        return new Scheduler(store, gpus, launcher, Map.of(), clock, config.schedulerInterval(), Scheduler.DEFAULT_STOP_GRACE);
    }

    @Provides
    @Singleton
    QueueService queueService(JobStore store, JobConfigs configs, JobLogs logs, Scheduler scheduler, Clock clock) {
        return new QueueService(store, configs, logs, scheduler, clock);
    }

    @Provides
    @Singleton
    Reconciler reconciler(Scheduler scheduler, Clock clock) {
        return new Reconciler(scheduler, clock);
    }

    @Provides
    @Singleton
    UserAdmin userAdmin(UserDirectory users) {
        return new UserAdmin(users);
    }
}
