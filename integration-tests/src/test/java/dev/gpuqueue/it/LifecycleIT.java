package dev.gpuqueue.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuqueue.core.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job's life as a user sees it, on the real server: submit, run on the right GPUs, finish, fail,
 * time out, cancel, wait for approval, be reordered. The background tick is an hour, so every start
 * below comes from a submit, a finished job, or an explicit {@code /api/queue/process}.
 */
class LifecycleIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path home;

    private ServerProcess server;

    private ServerProcess start(String interval) {
        server = new ServerProcess(home, "--scheduler-interval", interval)
                .config("pair", "{\"command\": [\"sh\", \"-c\", \"echo gpus=$CUDA_VISIBLE_DEVICES\"], \"device_ids\": [2, 3], \"num_processes\": 2}")
                .config("short", "{\"command\": [\"sh\", \"-c\", \"sleep 1; echo done\"]}")
                .config("long", "{\"command\": [\"sleep\", \"60\"]}")
                .config("family", "{\"command\": [\"sh\", \"-c\", \"sleep 60 & sleep 60 & wait\"]}")
                .config("exit3", "{\"command\": [\"sh\", \"-c\", \"exit 3\"]}")
                .config("slow", "{\"command\": [\"sleep\", \"60\"], \"max_runtime_seconds\": 1}")
                .start();
        return server;
    }

    @AfterEach
    void stopJobsAndServer() {
        if (server != null) {
            server.stopLeavingNoJobBehind();
        }
    }

    @Test
    void aJobRunsOnItsConfiguredGpusCompletesAndReleasesThem() throws Exception {
        start("3600");
        JsonNode answer = server.submit("pair");
        String id = answer.get("job_id").asText();
        assertThat(answer.get("status").asText()).isEqualTo("running");
        assertThat(answer.get("allocated_gpus").toString()).isEqualTo("[2,3]");

        server.awaitStatus(id, "completed", WAIT);
        JsonNode job = server.job(id);
        assertThat(job.get("exit_code").asInt()).isZero();
        assertThat(job.get("started_at").isNull()).isFalse();
        assertThat(job.get("completed_at").isNull()).isFalse();
        assertThat(Files.readString(home.resolve("logs/" + id + ".log"))).isEqualTo("gpus=2,3\n");
        assertThat(server.call("GET", "/api/jobs/" + id + "/logs", null).body()).contains("gpus=2,3");
        assertThat(server.get("/api/queue/stats").get("local").get("allocated_gpus").toString()).isEqualTo("[]");
        assertThat(types(server.get("/api/jobs/" + id + "/events"))).containsSubsequence("submitted", "dispatched", "completed");
    }

    @Test
    void aQueuedJobStartsWhenTheRunningOneFinishesAndFailuresKeepTheirExitCode() {
        start("3600");
        String first = server.submit("short").get("job_id").asText();
        JsonNode second = server.submit("exit3");
        assertThat(second.get("status").asText()).isEqualTo("queued");
        assertThat(second.get("queue_position").asInt()).isEqualTo(1);
        String failing = second.get("job_id").asText();

        server.awaitStatus(first, "completed", WAIT);
        server.awaitStatus(failing, "failed", WAIT);
        JsonNode failed = server.job(failing);
        assertThat(failed.get("exit_code").asInt()).isEqualTo(3);
        assertThat(failed.get("error_message").asText()).contains("3");
        assertThat(types(server.get("/api/jobs/" + failing + "/events"))).contains("failed");
    }

    @Test
    void aJobPastItsTimeLimitIsStoppedAndFailed() {
        start("0.5");
        String id = server.submit("slow").get("job_id").asText();
        long pid = server.job(id).get("pid").asLong();

        server.awaitStatus(id, "failed", WAIT);
        assertThat(server.job(id).get("error_message").asText()).contains("max runtime");
        Await.until("the job's process to be gone", WAIT, () -> ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty());
        assertThat(server.get("/api/queue/stats").get("local").get("allocated_gpus").toString()).isEqualTo("[]");
    }

    @Test
    void cancellingKillsTheProcessGroupReleasesTheGpusAndStartsNothingUntilTheNextPass() {
        start("3600");
        String running = server.submit("family").get("job_id").asText();
        String waiting = server.submit("short").get("job_id").asText();
        String alsoWaiting = server.submit("short").get("job_id").asText();
        long pid = server.job(running).get("pid").asLong();
        Await.until("the job's two sleeps to start", WAIT, () -> ProcessHandle.of(pid).stream()
                .flatMap(ProcessHandle::descendants).filter(p -> p.info().command().orElse("").endsWith("sleep")).count() == 2);
        List<ProcessHandle> group = ProcessHandle.of(pid).stream().flatMap(p -> Stream.concat(
                Stream.of(p), p.descendants())).toList();

        JsonNode cancelledPending = server.post("/api/queue/" + alsoWaiting + "/cancel", null);
        assertThat(cancelledPending.get("status").asText()).isEqualTo("cancelled");
        ServerProcess.Answer runningViaQueue = server.call("POST", "/api/queue/" + running + "/cancel", null);
        assertThat(runningViaQueue.status()).as("the queue route cancels waiting jobs only").isEqualTo(409);

        server.post("/api/jobs/" + running + "/cancel", null);
        assertThat(server.status(running)).isEqualTo("cancelled");
        Await.until("the whole process group to be gone", WAIT, () -> group.stream().noneMatch(ProcessHandle::isAlive));
        assertThat(server.get("/api/queue/stats").get("local").get("allocated_gpus").toString()).isEqualTo("[]");
        assertThat(server.status(waiting)).as("no automatic start after a cancel").isEqualTo("pending");

        JsonNode pass = server.post("/api/queue/process", null);
        assertThat(pass.get("job_ids").toString()).contains(waiting);
        server.awaitStatus(waiting, "completed", WAIT);
        assertThat(server.status(alsoWaiting)).isEqualTo("cancelled");
    }

    @Test
    void approvalHoldsAJobUntilAnAdminApprovesAndARejectionFailsItWithTheReason() {
        start("3600");
        JsonNode held = server.post("/api/queue/submit", "{\"config_name\": \"short\", \"requires_approval\": true}");
        assertThat(held.get("status").asText()).isEqualTo("blocked");
        String heldId = held.get("job_id").asText();
        String rejectedId = server.post("/api/queue/submit", "{\"config_name\": \"short\", \"requires_approval\": true}")
                .get("job_id").asText();
        assertThat(server.post("/api/queue/process", null).get("dispatched").asInt()).isZero();

        JsonNode approved = server.post("/api/queue/" + heldId + "/approve", null);
        assertThat(approved.get("approved_by").asText()).isEqualTo("local");
        server.post("/api/queue/process", null);
        server.awaitStatus(heldId, "completed", WAIT);

        JsonNode rejected = server.post("/api/queue/" + rejectedId + "/reject?reason=too%20expensive", null);
        assertThat(rejected.get("status").asText()).isEqualTo("failed");
        assertThat(server.job(rejectedId).get("error_message").asText()).isEqualTo("Rejected: too expensive");
        assertThat(server.call("POST", "/api/queue/" + rejectedId + "/approve", null).status()).isEqualTo(409);
        assertThat(types(server.get("/api/jobs/" + heldId + "/events"))).containsSubsequence("submitted", "approved", "dispatched");
    }

    @Test
    void aPriorityOverrideMovesAJobToTheFrontOfTheQueue() {
        start("3600");
        server.submit("long");
        String a = server.submit("short").get("job_id").asText();
        String b = server.submit("short").get("job_id").asText();
        String c = server.submit("short").get("job_id").asText();
        assertThat(server.pendingOrder()).containsExactly(a, b, c);

        JsonNode changed = server.post("/api/queue/" + c + "/priority", "{\"priority\": 50}");
        assertThat(changed.get("new_effective_priority").asInt()).isEqualTo(50);
        assertThat(server.pendingOrder()).containsExactly(c, a, b);
        assertThat(server.get("/api/queue/position/" + c).get("position").asInt()).isEqualTo(1);

        server.post("/api/queue/" + c + "/priority", "{\"priority\": null}");
        assertThat(server.pendingOrder()).containsExactly(a, b, c);
    }

    @Test
    void cleanupKeepsRecentJobsAndRefusesAnOutOfRangeAge() {
        start("3600");
        String id = server.submit("short").get("job_id").asText();
        server.awaitStatus(id, "completed", WAIT);

        JsonNode cleanup = server.post("/api/queue/cleanup?days=1", null);
        assertThat(cleanup.get("deleted").asInt()).as("a job finished seconds ago is younger than a day").isZero();
        assertThat(server.status(id)).isEqualTo("completed");
        ServerProcess.Answer zero = server.call("POST", "/api/queue/cleanup?days=0", null);
        assertThat(zero.status()).isEqualTo(400);
        assertThat(zero.json().get("detail").asText()).contains("days");
    }

    @Test
    void theCliSubmitsListsAndCancelsAgainstTheRunningServer() throws Exception {
        start("3600");
        ServerProcess.CliRun submitted = server.cli("jobs", "submit", "long");
        assertThat(submitted.exitCode()).as(submitted.output()).isZero();
        assertThat(submitted.output()).matches("(?s)job \\S+ running on GPUs \\[0\\].*");
        String id = submitted.output().split(" ")[1];

        ServerProcess.CliRun queued = server.cli("jobs", "submit", "short");
        assertThat(queued.output()).contains("queued at position 1");
        ServerProcess.CliRun listed = server.cli("jobs", "list", "--format", "json");
        assertThat(listed.exitCode()).isZero();
        assertThat(listed.output()).contains(id);

        ServerProcess.CliRun cancelled = server.cli("jobs", "cancel", id);
        assertThat(cancelled.exitCode()).as(cancelled.output()).isZero();
        assertThat(server.status(id)).isEqualTo("cancelled");
        ServerProcess.CliRun unknown = server.cli("jobs", "cancel", "no-such-job");
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.output()).contains("no-such-job").doesNotContain("\tat ");
    }

    private static List<String> types(JsonNode events) {
        List<String> types = new ArrayList<>();
        events.get("events").forEach(e -> types.add(e.get("type").asText()));
        return types;
    }
}
