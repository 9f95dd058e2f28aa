package dev.gpuqueue.it;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code gpuqueue.jar} as a separate process on a temp home and a free port: start, wait
 * until it answers, call it over HTTP, kill it with SIGKILL or SIGTERM, start it again. Every wait
 * is bounded. Not thread-safe (one server per test), but its HTTP calls are.
 */
final class ServerProcess implements AutoCloseable {
    static final Path JAR = Path.of("../cli/target/gpuqueue.jar").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path home;
    private final Path log;
    private final List<String> extraArgs;
    private final Map<String, String> environment = new HashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private int port;
    private Process process;
    private String token;

    ServerProcess(Path home, String... extraArgs) {
        this.home = home;
        this.log = home.resolve("server.log");
        this.extraArgs = List.of(extraArgs);
    }

    /** A job config {@code configs/<name>.json} on this server's home. */
    ServerProcess config(String name, String json) {
        try {
            Files.createDirectories(home.resolve("configs"));
            Files.writeString(home.resolve("configs/" + name + ".json"), json);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A variable in the server's environment (as a deployment would set it). */
    ServerProcess env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    ServerProcess start() {
        try {
            process = launch().start();
            Await.until("the server to answer", Duration.ofSeconds(60), () -> {
                assertThat(process.isAlive()).as("server died: " + log()).isTrue();
                return status("GET", "/api/health", null) == 200;
            });
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server expecting it to refuse: its exit code and everything it printed. */
    CliRun startRefused() throws IOException, InterruptedException {
        Process refused = launch().redirectOutput(ProcessBuilder.Redirect.PIPE).start();
        String output = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(refused.waitFor(60, TimeUnit.SECONDS)).as("the refused server exits").isTrue();
        return new CliRun(refused.exitValue(), output);
    }

    private ProcessBuilder launch() throws IOException {
        if (port == 0) {
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
        }
        List<String> command = new ArrayList<>(List.of(java(), "-jar", JAR.toString(), "server", "--home",
                home.toString(), "--port", String.valueOf(port)));
        if (!extraArgs.contains("--simulate-gpus")) {
            command.addAll(List.of("--simulate-gpus", "4"));
        }
        command.addAll(extraArgs);
        Files.createDirectories(home);
        Files.writeString(log, "=== start\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        return builder;
    }

    /** SIGKILL: no shutdown hook, no cleanup, like a power cut for the server (jobs are separate). */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    /** SIGTERM: a graceful stop. */
    int sigterm() throws InterruptedException {
        process.destroy();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("graceful stop within 60 s").isTrue();
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        }
    }

    /** Cancels every running job (their processes are not the server's children), checks the log, stops. */
    void stopLeavingNoJobBehind() {
        for (JsonNode job : allJobs()) {
            if (job.get("status").asText().equals("running")) {
                call("POST", "/api/jobs/" + job.get("job_id").asText() + "/cancel", null);
            }
        }
        assertThat(log()).as("the server log").doesNotContain("\tat ");
        close();
    }

    Path home() {
        return home;
    }

    int port() {
        return port;
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    void useToken(String token) {
        this.token = token;
    }

    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** A request; the answer's JSON (or null when not JSON) and status. */
    record Answer(int status, JsonNode json, String body) {}

    Answer call(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = response.body().isEmpty() ? null : JSON.readTree(response.body());
            } catch (IOException notJson) {
                json = null;
            }
            return new Answer(response.statusCode(), json, response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    JsonNode get(String path) {
        Answer answer = call("GET", path, null);
        assertThat(answer.status()).as(answer.body()).isLessThan(300);
        return answer.json();
    }

    JsonNode post(String path, String body) {
        Answer answer = call("POST", path, body);
        assertThat(answer.status()).as(answer.body()).isLessThan(300);
        return answer.json();
    }

    private int status(String method, String path, String body) {
        try {
            return call(method, path, body).status();
        } catch (UncheckedIOException notYet) {
            return -1;
        }
    }

    JsonNode job(String id) {
        return get("/api/jobs/" + id);
    }

    String status(String id) {
        return job(id).get("status").asText();
    }

    /** Submits {@code configs/<config>.json}; the answer. */
    JsonNode submit(String config) {
        return post("/api/queue/submit", "{\"config_name\": \"" + config + "\"}");
    }

    void awaitStatus(String id, String status, Duration timeout) {
        Await.until(id + " to be " + status, timeout, () -> status(id).equals(status));
    }

    /** Ids of the queue's pending jobs, in dispatch order. */
    List<String> pendingOrder() {
        List<String> ids = new ArrayList<>();
        get("/api/queue?status=pending&limit=200").get("entries").forEach(e -> ids.add(e.get("job_id").asText()));
        return ids;
    }

    /** What the CLI printed for {@code gpuqueue <command...> --url <this server>}, and its exit code. */
    record CliRun(int exitCode, String output) {}

    CliRun cli(String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of(java(), "-jar", JAR.toString()));
        line.addAll(List.of(command));
        line.addAll(List.of("--url", base()));
        if (token != null) {
            line.addAll(List.of("--token", token));
        }
        Process cli = new ProcessBuilder(line).redirectErrorStream(true).start();
        cli.getOutputStream().close();
        String output = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(cli.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new CliRun(cli.exitValue(), output);
    }

    /** Every job, newest first. */
    List<JsonNode> allJobs() {
        List<JsonNode> jobs = new ArrayList<>();
        for (int offset = 0; ; offset += 200) {
            JsonNode page = get("/api/jobs?limit=200&offset=" + offset).get("jobs");
            page.forEach(jobs::add);
            if (page.size() < 200) {
                return jobs;
            }
        }
    }


    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }
}
