package dev.gpuqueue.cli;

import dev.gpuqueue.cli.CliRun.Result;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuqueue.cli.server.GpuqueueServer;
import dev.gpuqueue.cli.server.ServerConfig;
import dev.gpuqueue.core.testing.Await;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every client command through execute() against a real server on a random port. */
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;

    private GpuqueueServer server;
    private String url;


    @BeforeEach
    void startServer() throws Exception {
        Path configs = Files.createDirectories(home.resolve("configs"));
        Files.writeString(configs.resolve("quick.json"),
                "{\"command\": [\"sh\", \"-c\", \"echo hello; echo line2\"], \"run_name\": \"quick-run\"}");
        Files.writeString(configs.resolve("sleepy.json"), "{\"command\": [\"sleep\", \"60\"]}");
        server = GpuqueueServer.start(ServerConfig.of("127.0.0.1", 0, home, configs, "4", Duration.ofSeconds(60)),
                new PrintWriter(new StringWriter()));
        url = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stopServer() {
        run("jobs", "cancel", "--all", "--force");
        server.stop();
    }

    /** Runs {@code gpuqueue args...} against the server, answering prompts with {@code input}. */
    private Result answering(String input, String... args) {
        Result result = CliRun.execute(url, input, args);
        lastOutput = result.outBytes();
        return result;
    }

    /** The bytes the last command wrote to its output. */
    private byte[] lastOutput;

    private Result run(String... args) {
        return answering("", args);
    }

    private String submit(String config) {
        Result result = run("jobs", "submit", config);
        assertThat(result.exit()).as(result.err()).isZero();
        return result.out().split(" ")[1];
    }

    private String status(String id) {
        JsonNode jobs = run("jobs", "list", "--format", "json", "-o", "job_id,status", "-l", "200").json();
        for (JsonNode job : jobs) {
            if (job.get("job_id").asText().equals(id)) {
                return job.get("status").asText();
            }
        }
        return null;
    }

    private void awaitStatus(String id, String wanted) {
        Await.until("job " + id + " to be " + wanted, Duration.ofSeconds(30), () -> wanted.equals(status(id)));
    }

    @Test
    void submitThenListWithDotFieldsAsJsonAndAsATable() throws Exception {
        Result submitted = run("jobs", "submit", "quick");
        assertThat(submitted.exit()).isZero();
        assertThat(submitted.out()).matches("job [0-9a-z]{16} running on GPUs \\[0\\]\\s*");
        String id = submitted.out().split(" ")[1];
        awaitStatus(id, "completed");

        JsonNode rows = run("jobs", "list", "-o", "job_id,status,metadata.run_name,metadata.missing", "--format", "json").json();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).toString()).isEqualTo("{\"job_id\":\"" + id
                + "\",\"status\":\"completed\",\"metadata.run_name\":\"quick-run\",\"metadata.missing\":null}");

        Result table = run("jobs", "list", "-o", "job_id,status,metadata.run_name");
        assertThat(table.out().lines().toList()).containsExactly("JOB_ID            STATUS     METADATA.RUN_NAME",
                id + "  completed  quick-run");
        Result plain = run("jobs", "list");
        assertThat(plain.out()).startsWith("JOB ID").contains(id).contains("completed").contains("quick-run").contains("ran ");
    }

    @Test
    void dryRunSubmitsNothingAndNoWaitIsRejectedWithTheReason() throws Exception {
        Result dry = run("jobs", "submit", "sleepy", "--dry-run");
        assertThat(dry.exit()).isZero();
        assertThat(dry.out().strip()).isEqualTo("dry run: would start now on GPUs [0] (nothing submitted)");
        assertThat(run("jobs", "list", "--format", "json").json()).isEmpty();

        submit("sleepy");
        Result rejected = run("jobs", "submit", "quick", "--no-wait");
        assertThat(rejected.exit()).isEqualTo(1);
        assertThat(rejected.out().strip()).isEqualTo("rejected: local job limit 1/1");
        Result queued = run("jobs", "submit", "quick");
        assertThat(queued.out()).contains("queued at position 1 (local job limit 1/1)");
        assertThat(run("jobs", "list").out()).contains("pending (local job limit 1/1)");
    }

    @Test
    void statusLogsFollowAndEvents() throws Exception {
        String running = submit("sleepy");
        JsonNode stats = run("jobs", "status", "--format", "json").json();
        assertThat(stats.get("local").get("allocated_gpus").toString()).isEqualTo("[0]");
        assertThat(run("jobs", "status").out()).contains("local GPUs: 4 total, allocated [0]");
        run("jobs", "cancel", running);

        String id = submit("quick");
        Result follow = run("jobs", "logs", id, "-f");
        assertThat(follow.exit()).isZero();
        assertThat(follow.out()).isEqualTo("hello\nline2\n");
        assertThat(run("jobs", "logs", id).out()).isEqualTo("hello\nline2\n");

        Result events = run("jobs", "events", id);
        assertThat(events.out()).contains("submitted").contains("dispatched").contains("completed").contains("pending -> running");
    }

    @Test
    void logsArePrintedByteForByteWholeOrFollowedOrTailed() throws Exception {
        Files.writeString(home.resolve("configs/multibyte.json"), "{\"command\": [\"sh\", \"-c\", \"head -c 1048575"
                + " /dev/zero | tr '\\\\0' a; printf '\\\\303\\\\251'; head -c 2200000 /dev/zero | tr '\\\\0' b;"
                + " printf '\\\\nlast \\\\303\\\\274\\\\n'\"]}");
        String id = submit("multibyte");
        awaitStatus(id, "completed");
        byte[] file = Files.readAllBytes(home.resolve("logs").resolve(id + ".log"));
        assertThat(file.length).as("the job wrote its output").isEqualTo(1_048_575 + 2 + 2_200_000 + 9);

        assertThat(run("jobs", "logs", id).exit()).isZero();
        assertThat(lastOutput).as("jobs logs").isEqualTo(file);
        assertThat(run("jobs", "logs", "-f", id).exit()).isZero();
        assertThat(lastOutput).as("jobs logs -f").isEqualTo(file);
        assertThat(run("jobs", "logs", "--tail", "1", id).out()).isEqualTo("last \u00fc\n");
        assertThat(run("jobs", "logs", "--tail", "0", id).exit()).isEqualTo(2);
    }

    @Test
    void followingPrintsEverythingAJobWritesJustBeforeItEnds() throws Exception {
        Files.writeString(home.resolve("configs/burst.json"), "{\"command\": [\"sh\", \"-c\", \"sleep 1;"
                + " head -c 3000000 /dev/zero | tr '\\\\0' x\"]}");
        String id = submit("burst");

        assertThat(run("jobs", "logs", "-f", id).exit()).isZero();

        assertThat(lastOutput).isEqualTo(Files.readAllBytes(home.resolve("logs").resolve(id + ".log"))).hasSize(3_000_000);
    }

    @Test
    void cancelOneOrAllWithAConfirmationUnlessForced() throws Exception {
        String first = submit("sleepy");
        String second = submit("sleepy");
        String third = submit("sleepy");

        Result single = run("jobs", "cancel", second);
        assertThat(single.out().strip()).isEqualTo("job " + second + " cancelled");

        Result declined = answering("n\n", "jobs", "cancel", "--all");
        assertThat(declined.exit()).isEqualTo(1);
        assertThat(declined.out()).contains("Cancel 2 jobs? [y/N]").contains("nothing cancelled");
        assertThat(status(first)).isEqualTo("running");

        Result confirmed = answering("y\n", "jobs", "cancel", "--all");
        assertThat(confirmed.exit()).isZero();
        assertThat(confirmed.out()).contains("job " + third + " cancelled\njob " + first + " cancelled");
        assertThat(status(first)).isEqualTo("cancelled");
        assertThat(run("jobs", "cancel", "--all", "--force").out().strip()).isEqualTo("no active jobs to cancel");

        Result again = run("jobs", "cancel", first);
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("terminal states never change").contains("HTTP 409").doesNotContain("Exception");
    }

    @Test
    void queueCommandsAdministerTheQueue() throws Exception {
        Result settings = run("queue", "concurrency", "local_job_max_concurrent=2", "local_gpu_max_concurrent=null");
        assertThat(settings.exit()).as(settings.err()).isZero();
        assertThat(settings.out()).contains("local_job_max_concurrent = 2").contains("local_gpu_max_concurrent = -");
        assertThat(run("queue", "concurrency", "max_concurrent=abc").exit()).isEqualTo(2);
        Result bad = run("queue", "concurrency", "max_concurrent=0");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err().strip()).isEqualTo("gpuqueue: max_concurrent must be a whole number between 1 and 100 (got 0) (HTTP 400)");

        Result blocked = run("jobs", "submit", "sleepy", "--requires-approval");
        String blockedId = blocked.out().split(" ")[1];
        assertThat(blocked.out()).contains("blocked (awaiting approval)");
        assertThat(run("queue", "priority", blockedId, "45").out()).contains("effective priority 30 -> 45");
        assertThat(run("queue", "approve", blockedId).out()).contains("approved by local; now running");
        String other = run("jobs", "submit", "sleepy", "--requires-approval").out().split(" ")[1];
        assertThat(run("queue", "reject", other, "--reason", "too costly").out().strip())
                .isEqualTo("job " + other + " rejected: too costly");
        assertThat(run("queue", "process").out()).startsWith("started ");
        assertThat(run("queue", "cleanup", "--days", "7").out()).contains("deleted 0 job(s)");
        assertThat(run("gpus").out()).contains("backend simulated, 4 GPU(s)").contains(blockedId);
    }

    @Test
    void usersAreManagedInTheDatabaseAndTheirTokensWorkAtOnce() throws Exception {
        Result added = run("users", "add", "ada", "--level", "admin", "--home", home.toString());
        assertThat(added.exit()).as(added.err()).isZero();
        assertThat(added.out().lines().toList()).hasSize(1);
        String token = added.out().strip();
        assertThat(token).startsWith("gq_");

        Result anonymous = run("jobs", "list");
        assertThat(anonymous.exit()).isEqualTo(1);
        assertThat(anonymous.err()).contains("credentials required").contains("HTTP 401");
        assertThat(run("jobs", "list", "--token", token).exit()).isZero();

        assertThat(run("users", "list", "--home", home.toString()).out()).contains("ada").contains("admin")
                .doesNotContain(token);
        String rotated = run("users", "token", "ada", "--home", home.toString()).out().strip();
        assertThat(run("jobs", "list", "--token", token).exit()).isEqualTo(1);
        assertThat(run("jobs", "list", "--token", rotated).exit()).isZero();
        Result unconfirmed = run("users", "remove", "ada", "--home", home.toString());
        assertThat(unconfirmed.exit()).isEqualTo(1);
        assertThat(unconfirmed.err()).contains("ada is the last user").contains("--force");
        assertThat(run("jobs", "list", "--token", rotated).exit()).as("still there").isZero();
        assertThat(run("users", "remove", "ada", "--force", "--home", home.toString()).exit()).isZero();
        assertThat(run("jobs", "list").exit()).as("single-user mode again").isZero();
    }

    @Test
    void errorsAreOneLineWithTheRightExitCode() {
        Result unreachable = run("jobs", "list", "--url", "http://127.0.0.1:1");
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err().strip()).isEqualTo("gpuqueue: cannot reach the gpuqueue server at http://127.0.0.1:1"
                + " (connection refused); is it running? (set --url or GPUQUEUE_URL)");

        Result refused = run("jobs", "submit", "nope");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err().strip()).startsWith("gpuqueue: no job config named 'nope'");

        assertThat(run("jobs", "submit").exit()).isEqualTo(2);
        assertThat(run("jobs", "list", "--format", "xml").exit()).isEqualTo(2);
        assertThat(run("jobs", "cancel").exit()).isEqualTo(2);
        assertThat(run("frobnicate").exit()).isEqualTo(2);
        assertThat(run().exit()).isEqualTo(2);
    }

    @Test
    void helpAndCompletionAreGenerated() {
        Result help = run("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("server").contains("jobs").contains("queue").contains("users");
        Result completion = run("generate-completion");
        assertThat(completion.exit()).isZero();
        assertThat(completion.out()).contains("complete -F");
    }

    @Test
    void watchPrintsAJobsEventsUntilItEndsAndExitsByHowItEnded() {
        String quick = submit("quick");
        awaitStatus(quick, "completed");
        Result done = run("jobs", "watch", quick);
        assertThat(done.exit()).as(done.err()).isZero();
        List<String> lines = done.out().lines().toList();
        assertThat(lines.get(0)).matches(".*#\\d+ submitted job " + quick + " \\(- -> pending\\) by local: .*");
        assertThat(lines).anyMatch(l -> l.contains(" dispatched job " + quick + " (pending -> running) by scheduler: on GPUs [0]"));
        assertThat(lines.get(lines.size() - 1)).contains(" completed job " + quick + " (running -> completed)");

        String sleepy = submit("sleepy");
        run("jobs", "cancel", sleepy);
        Result cancelled = run("jobs", "watch", sleepy);
        assertThat(cancelled.exit()).isEqualTo(1);
        assertThat(cancelled.out()).contains(" cancelled job " + sleepy);

        Result unknown = run("jobs", "watch", "nope");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("HTTP 404");
    }
}
