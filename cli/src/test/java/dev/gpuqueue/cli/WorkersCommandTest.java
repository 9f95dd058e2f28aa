package dev.gpuqueue.cli;

import dev.gpuqueue.cli.CliRun.Result;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuqueue.core.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gpuqueue workers ...} through execute() against a real server on a random port. */
class WorkersCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    private CliServer server;

    /** The command that starts the worker, as {@code workers add} or {@code token} printed it on stderr. */
    private static String command(Result result) {
        return result.err().lines().filter(l -> l.startsWith("start the worker with: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no command in:\n" + result.err()))
                .substring("start the worker with: ".length());
    }

    /** The token: the only line on stdout. */
    private static String token(Result result) {
        assertThat(result.out().lines().toList()).as("stdout is the token alone").hasSize(1);
        return result.out().strip();
    }

    @BeforeEach
    void startServer() throws Exception {
        Path configs = Files.createDirectories(home.resolve("configs"));
        Files.writeString(configs.resolve("sleepy.json"), "{\"command\": [\"sleep\", \"60\"]}");
        server = new CliServer(home);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private Result run(String... args) {
        return server.run(args);
    }

    private Result ok(String... args) {
        Result result = run(args);
        assertThat(result.exit()).as(result.err()).isZero();
        return result;
    }

    /** The row of {@code name} in {@code workers list}, split on runs of two or more spaces; null when absent. */
    private List<String> row(String name, String... options) {
        List<String> argv = new ArrayList<>(List.of("workers", "list"));
        argv.addAll(List.of(options));
        Result list = ok(argv.toArray(String[]::new));
        assertThat(list.out()).startsWith("NAME");
        return list.out().lines().skip(1).map(l -> List.of(l.split(" {2,}"))).filter(r -> r.get(0).equals(name))
                .findFirst().orElse(null);
    }

    /**
     * What {@code gpuqueue worker} sends first, under the worker's own token: a registration with one
     * GPU and a reported label. Returns the HTTP status.
     */
    private int register(String token) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(server.url() + "/api/workers/register").toURL().openConnection();
        connection.setRequestMethod("POST");
        connection.setRequestProperty("X-Worker-Token", token);
        connection.setRequestProperty("Content-Type", "application/json");
        connection.setDoOutput(true);
        try (OutputStream body = connection.getOutputStream()) {
            JSON.writeValue(body, Map.of("labels", Map.of("cuda", "12"), "gpus", List.of(Map.of("index", 0,
                    "name", "NVIDIA H100", "uuid", "GPU-0", "memory_total_mb", 81_559))));
        }
        int status = connection.getResponseCode();
        try (InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
            in.readAllBytes();
        }
        return status;
    }

    @Test
    void addPrintsTheIdTheTokenOnceAndTheCommandAndListShowsItConnectingWithItsLabels() {
        Result added = ok("workers", "add", "gpu-box-1", "--label", "zone=eu", "--label", "tier=a100");
        assertThat(added.err()).startsWith("added worker gpu-box-1; its token, on stdout, is shown only this once");
        String token = token(added);
        assertThat(token).startsWith("gqw_");
        String command = command(added);
        assertThat(command).isEqualTo("gpuqueue worker --orchestrator " + server.url() + " --token " + token)
                .startsWith("gpuqueue worker --orchestrator http://127.0.0.1:").contains(" --token gqw_");

        Result list = ok("workers", "list");
        assertThat(list.out().lines().toList()).containsExactly(
                "NAME       STATUS      GPUS  LABELS             JOB  LAST SEEN",
                "gpu-box-1  connecting  0     tier=a100,zone=eu  -    -");
        assertThat(row("gpu-box-1")).containsExactly("gpu-box-1", "connecting", "0", "tier=a100,zone=eu", "-", "-");
        assertThat(row("gpu-box-1", "--status", "connecting")).isNotNull();
        assertThat(row("gpu-box-1", "--status", "idle")).as("idle excludes a worker never heard from").isNull();

        assertThat(ok("workers", "drain", "gpu-box-1").out()).as("drained, but not heard from yet")
                .isEqualTo("worker gpu-box-1: connecting (draining)\n");
        assertThat(row("gpu-box-1").get(1)).isEqualTo("connecting (draining)");
        assertThat(ok("workers", "undrain", "gpu-box-1").out()).isEqualTo("worker gpu-box-1: connecting\n");
    }

    @Test
    void addAndListAsJsonPrintTheServersAnswer() {
        JsonNode created = ok("workers", "add", "box-2", "--type", "ssh", "--label", "zone=us", "--json").json();
        assertThat(created.get("worker").get("worker_id").asText()).isEqualTo("box-2");
        assertThat(created.get("worker").get("worker_type").asText()).isEqualTo("ssh");
        assertThat(created.get("worker").get("labels").toString()).isEqualTo("{\"zone\":\"us\"}");
        assertThat(created.get("token").asText()).startsWith("gqw_");
        assertThat(created.get("command").asText()).endsWith("--token " + created.get("token").asText());

        JsonNode workers = ok("workers", "list", "--json").json();
        assertThat(workers).hasSize(1);
        assertThat(workers.get(0).get("status").asText()).isEqualTo("connecting");
        assertThat(workers.get(0).get("last_seen_at").isNull()).isTrue();
    }

    @Test
    void drainUndrainTokenAndRemove() throws Exception {
        String first = token(ok("workers", "add", "gpu-box-1", "--label", "zone=eu"));
        assertThat(register(first)).isEqualTo(200);

        assertThat(ok("workers", "drain", "gpu-box-1").out()).isEqualTo("worker gpu-box-1: draining\n");
        assertThat(row("gpu-box-1").get(1)).isEqualTo("draining");
        assertThat(row("gpu-box-1", "--status", "draining")).isNotNull();
        assertThat(row("gpu-box-1", "--status", "idle")).isNull();
        assertThat(ok("workers", "undrain", "gpu-box-1").out()).isEqualTo("worker gpu-box-1: idle\n");
        assertThat(row("gpu-box-1").get(1)).isEqualTo("idle");
        assertThat(row("gpu-box-1", "--status", "draining")).isNull();

        Result rotated = ok("workers", "token", "gpu-box-1");
        assertThat(rotated.err()).startsWith("worker gpu-box-1 has a new token (the old one no longer works)");
        String second = token(rotated);
        assertThat(second).startsWith("gqw_").isNotEqualTo(first);
        assertThat(command(rotated)).isEqualTo(
                "gpuqueue worker --orchestrator " + server.url() + " --token " + second);
        assertThat(register(first)).as("the old token no longer works").isEqualTo(401);
        assertThat(register(second)).as("the new one does").isEqualTo(200);

        assertThat(ok("workers", "remove", "gpu-box-1").out()).isEqualTo("removed worker gpu-box-1\n");
        assertThat(row("gpu-box-1")).isNull();
        assertThat(ok("workers", "list").out()).isEqualTo("NAME  STATUS  GPUS  LABELS  JOB  LAST SEEN\n");
        assertThat(register(second)).as("a removed worker's token no longer works").isEqualTo(401);
    }

    @Test
    void aRegisteredWorkerIsIdleWithItsGpusAndRemovingItWhileItRunsAJobNeedsForce() throws Exception {
        String token = token(ok("workers", "add", "gpu-box-1", "--label", "zone=eu"));
        assertThat(register(token)).isEqualTo(200);
        List<String> idle = row("gpu-box-1", "--status", "idle");
        assertThat(idle).isNotNull();
        assertThat(idle.get(2)).isEqualTo("1");
        assertThat(idle.get(3)).contains("zone=eu").contains("cuda=12");
        assertThat(idle.get(4)).isEqualTo("-");
        assertThat(idle.get(5)).matches("\\d+s ago");

        Result submitted = ok("jobs", "submit", "sleepy", "--target", "worker");
        String job = submitted.out().split(" ")[1];
        Await.until("the job to be assigned to the worker", Duration.ofSeconds(30),
                () -> job.equals(row("gpu-box-1").get(4)));

        Result refused = run("workers", "remove", "gpu-box-1");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.out()).isEmpty();
        assertThat(refused.err().strip()).startsWith("gpuqueue: worker gpu-box-1 runs job " + job)
                .contains("force").endsWith("(HTTP 409)");
        assertThat(row("gpu-box-1")).isNotNull();

        assertThat(ok("workers", "remove", "gpu-box-1", "--force").out()).isEqualTo("removed worker gpu-box-1\n");
        assertThat(row("gpu-box-1")).isNull();
    }

    @Test
    void errorsAreOneLineWithTheRightExitCode() {
        Result unknown = run("workers", "remove", "ghost");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err().strip()).isEqualTo("gpuqueue: no worker named ghost (HTTP 404)");
        assertThat(run("workers", "drain", "ghost").err()).contains("no worker named ghost");
        assertThat(run("workers", "token", "ghost").exit()).isEqualTo(1);

        Result badLabel = run("workers", "add", "box", "--label", "nokey");
        assertThat(badLabel.exit()).isEqualTo(2);
        assertThat(badLabel.err()).contains("--label").contains("KEY=VALUE").contains("nokey")
                .doesNotContain("Exception");
        assertThat(ok("workers", "list").out().lines()).as("nothing was added").hasSize(1);

        Result badStatus = run("workers", "list", "--status", "sleeping");
        assertThat(badStatus.exit()).isEqualTo(1);
        assertThat(badStatus.err()).contains("sleeping").contains("HTTP 400");

        assertThat(run("workers", "add").exit()).isEqualTo(2);
        Result unreachable = run("workers", "remove", "x", "--url", "http://127.0.0.1:1");
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err().strip()).isEqualTo("gpuqueue: cannot reach the gpuqueue server at http://127.0.0.1:1"
                + " (connection refused); is it running? (set --url or GPUQUEUE_URL)");
    }

    @Test
    void helpListsTheWorkersCommands() {
        assertThat(ok("--help").out()).contains("workers");
        assertThat(ok("workers", "--help").out()).contains("add").contains("list").contains("drain")
                .contains("undrain").contains("remove").contains("token");
    }
}
