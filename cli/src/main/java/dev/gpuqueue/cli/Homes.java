package dev.gpuqueue.cli;

import java.nio.file.Path;

/** The state directory: {@code --home}, else {@code $GPUQUEUE_HOME}, else {@code ~/.gpuqueue}. Stateless. */
final class Homes {
    private Homes() {}

    static Path resolve(Path option) {
        if (option != null) {
            return option.toAbsolutePath().normalize();
        }
        String env = System.getenv("GPUQUEUE_HOME");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        return Path.of(System.getProperty("user.home"), ".gpuqueue");
    }
}
