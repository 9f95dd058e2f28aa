package dev.gpuqueue.cli.server;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to run the server: where to listen, the state directory (database, configs, logs), simulated
 * GPUs if any, and the scheduler interval. Immutable.
 */
public record ServerConfig(String host, int port, Path home, Path configsDir, String simulateGpus,
        Duration schedulerInterval) {

    public Path logsDir() {
        return home.resolve("logs");
    }
}
