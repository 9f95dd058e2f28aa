package dev.gpuqueue.cli;

import dev.gpuqueue.cli.server.GpuqueueServer;
import dev.gpuqueue.cli.server.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real server on 127.0.0.1 and a random port, with its state in {@code home} (configs in
 * {@code home/configs}) and 4 simulated GPUs, for tests of client commands. Not thread-safe.
 */
final class CliServer {
    private final Path home;
    private GpuqueueServer server;
    private String url;

    CliServer(Path home) {
        this.home = home;
        start();
    }

    /** Starts the server (again, after {@link #stopServer()}: a restart over the same home). */
    void start() {
        server = GpuqueueServer.start(ServerConfig.of("127.0.0.1", 0, home, home.resolve("configs"), "4",
                Duration.ofSeconds(60)), new PrintWriter(new StringWriter()));
        url = "http://127.0.0.1:" + server.port();
    }

    String url() {
        return url;
    }

    /** Runs {@code gpuqueue args...} against the server. */
    CliRun.Result run(String... args) {
        return CliRun.execute(url, "", args);
    }

    /** Stops the server only: the jobs it started keep running. */
    void stopServer() {
        server.stop();
    }

    /** Cancels every job left, then stops the server. */
    void close() {
        run("jobs", "cancel", "--all", "--force");
        server.stop();
    }
}
