package dev.gpuqueue.cli.server;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.gpuqueue.cli.runner.FileJobConfigs;
import dev.gpuqueue.cli.runner.FileJobLogs;
import dev.gpuqueue.cli.runner.LaunchOptions;
import dev.gpuqueue.cli.runner.ProcessJobRunner;
import dev.gpuqueue.core.port.JobConfigs;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.UserDirectory;
import dev.gpuqueue.core.service.UserAdmin;
import java.time.Clock;

/**
 * Binds the server's own adapters: configuration, clock, job configs, job logs, the process runner
 * and user administration. Only binds: nothing here touches a file (the runner installs its wrapper
 * when the server's lifecycle starts it); the core is assembled by {@code GpuQueue.builder()}.
 */
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
    ProcessJobRunner runner() {
        return ProcessJobRunner.create(config.home(), config.logsDir(), launch);
    }

    @Provides
    @Singleton
    UserAdmin userAdmin(UserDirectory users, JobStore events, Clock clock) {
        return new UserAdmin(users, events, clock);
    }
}
