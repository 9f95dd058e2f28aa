package dev.gpuqueue.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.memory.InMemoryUserDirectory;
import dev.gpuqueue.core.port.HostStatus;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.core.testing.QueueHarness;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A real server on 127.0.0.1 and a random port, over the in-memory queue with 4 fake GPUs. */
abstract class ApiTestBase {
    protected final ObjectMapper json = new ObjectMapper();
    protected final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    protected QueueHarness h;
    protected Javalin app;
    protected String base;

    /** A response: status, raw body, and the body as JSON (null when it is not JSON). */
    protected record Answer(int status, String body, JsonNode json, HttpResponse<String> raw) {}

    @BeforeEach
    void startServer() {
        h = new QueueHarness(new InMemoryJobStore());
        app = HttpApi.create(new ApiDependencies(h.service(), h.scheduler(), h.queue.workers(), h.gpus,
                () -> new HostStatus.HostMetrics(1.5, 42.0), logs(), new UserAdmin(new InMemoryUserDirectory(), h.store,
                h.clock), CallerResolver.singleUserAdmin(), h.clock), HttpOptions.loopback(), extraRoutes());
        app.start("127.0.0.1", 0);
        base = "http://127.0.0.1:" + app.port();
    }

    /** Routes another module adds; tests may override. */
    protected List<HttpApi.Route> extraRoutes() {
        return List.of();
    }

    /** The job logs the server reads; tests may override. */
    protected JobLogs logs() {
        return JobLogs.none();
    }

    @AfterEach
    void stopServer() {
        app.stop();
    }

    protected Answer get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    protected Answer post(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    protected Answer post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    protected Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode node;
            try {
                node = response.body().isEmpty() ? null : json.readTree(response.body());
            } catch (IOException notJson) {
                node = null;
            }
            return new Answer(response.statusCode(), response.body(), node, response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
