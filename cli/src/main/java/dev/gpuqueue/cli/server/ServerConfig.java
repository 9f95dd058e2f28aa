package dev.gpuqueue.cli.server;

import dev.gpuqueue.core.worker.WorkerHub;
import dev.gpuqueue.kubernetes.KubernetesOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How to run the server: where to listen and which host names and browser origins to accept, the
 * state directory (database, configs, logs) and whether to start a new database where one went
 * missing, simulated GPUs if any, the scheduler interval, and how jobs run (their directory, the
 * extra variables they may see, the OS user they run as), and how long a remote worker may stay
 * silent before it is offline, and whether {@code /metrics} is open to everyone. Immutable.
 */
public record ServerConfig(String host, int port, Path home, Path configsDir, String simulateGpus,
        Duration schedulerInterval, List<String> allowedHosts, List<String> corsOrigins, boolean newDatabase,
        Path jobsDir, List<String> passEnv, String jobUser, Duration workerTimeout, boolean metricsPublic,
        KubernetesOptions kubernetes) {

    public ServerConfig {
        allowedHosts = List.copyOf(allowedHosts);
        corsOrigins = List.copyOf(corsOrigins);
        passEnv = List.copyOf(passEnv);
    }

    /** A loopback server with the defaults for everything but the essentials (tests, embedding). */
    public static ServerConfig of(String host, int port, Path home, Path configsDir, String simulateGpus,
            Duration schedulerInterval) {
        return new ServerConfig(host, port, home, configsDir, simulateGpus, schedulerInterval, List.of(), List.of(),
                false, null, List.of(), null, WorkerHub.DEFAULT_OFFLINE_AFTER, false, null);
    }

    /** This configuration, running jobs whose config says {@code "runner": "kubernetes"} on the cluster {@code options} name. */
    public ServerConfig withKubernetes(KubernetesOptions options) {
        return new ServerConfig(host, port, home, configsDir, simulateGpus, schedulerInterval, allowedHosts, corsOrigins,
                newDatabase, jobsDir, passEnv, jobUser, workerTimeout, metricsPublic, options);
    }

    public Path logsDir() {
        return home.resolve("logs");
    }
}
