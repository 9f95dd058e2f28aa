package dev.gpuqueue.cli.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuqueue.core.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as a user runs it: starts, answers /api/health and /api/queue/stats, runs a job,
 * and on SIGTERM stops cleanly leaving the running job running.
 */
class ServerJarIT {
    private static final Path JAR = Path.of("target/gpuqueue.jar");
    private final HttpClient client = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path home;

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private JsonNode call(String method, String url, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return json.readTree(client.send(request.build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theJarStartsAnswersRunsAJobAndStopsOnSigtermLeavingTheJobRunning() throws Exception {
        assertThat(JAR).as("built by the package phase").exists();
        int port = freePort();
        Files.createDirectories(home.resolve("configs"));
        Files.writeString(home.resolve("configs/sleepy.json"), "{\"command\": [\"sleep\", \"60\"]}");
        Path out = home.resolve("server.out");
        Process server = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                JAR.toString(), "server", "--home", home.toString(), "--port", String.valueOf(port), "--simulate-gpus", "4"))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        long jobPid = -1;
        try {
            String base = "http://127.0.0.1:" + port;
            Await.until("the startup summary", Duration.ofSeconds(60), () -> {
                String printed = read(out);
                assertThat(server.isAlive()).as(printed).isTrue();
                return printed.contains("recovered:");
            });
            assertThat(Files.readString(out)).contains("GPUs:       4, backend simulated").contains("single-user mode");

            assertThat(call("GET", base + "/api/health", null).get("status").asText()).isEqualTo("ok");
            assertThat(call("GET", base + "/api/queue/stats", null).get("local").get("total_gpus").asInt()).isEqualTo(4);
            JsonNode submitted = call("POST", base + "/api/queue/submit", "{\"config_name\": \"sleepy\"}");
            assertThat(submitted.get("status").asText()).isEqualTo("running");
            jobPid = call("GET", base + "/api/jobs/" + submitted.get("job_id").asText(), null).get("pid").asLong();

            server.destroy(); // SIGTERM
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("stops within 30 s").isTrue();
            assertThat(server.exitValue()).isIn(0, 143);
            assertThat(Files.readString(out)).contains("running jobs were left running").doesNotContain("Exception");
            assertThat(ProcessHandle.of(jobPid).filter(ProcessHandle::isAlive)).as("the job survives the server").isPresent();
        } finally {
            server.destroyForcibly();
            if (jobPid > 0) {
                new ProcessBuilder("kill", "-KILL", "--", "-" + jobPid).start().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
