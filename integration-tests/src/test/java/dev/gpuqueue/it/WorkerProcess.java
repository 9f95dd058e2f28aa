package dev.gpuqueue.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code gpuqueue worker} process on its own home, working for a {@link ServerProcess}: start,
 * kill with SIGKILL, start again on the same home. Not thread-safe (one per worker per test).
 */
final class WorkerProcess implements AutoCloseable {
    private final Path home;
    private final Path log;
    private final List<String> args;
    private Process process;

    /** A worker for {@code orchestrator} with {@code token}, its home, and further options (labels, GPUs). */
    WorkerProcess(ServerProcess orchestrator, String token, Path home, String... options) {
        this.home = home;
        this.log = home.resolve("worker.log");
        this.args = new ArrayList<>(List.of("worker", "--orchestrator", orchestrator.base(), "--token", token,
                "--home", home.toString(), "--heartbeat-interval", "0.5", "--stop-grace", "2"));
        args.addAll(List.of(options));
    }

    WorkerProcess start() {
        try {
            Files.createDirectories(home);
            Files.writeString(log, "=== start\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            List<String> command = new ArrayList<>(List.of(java(), "-jar", ServerProcess.JAR.toString()));
            command.addAll(args);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL: the worker vanishes; the job it started keeps running (its own session), like a hung machine's. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    Path home() {
        return home;
    }

    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
