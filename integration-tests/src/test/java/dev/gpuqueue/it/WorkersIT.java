package dev.gpuqueue.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuqueue.core.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * An orchestrator and {@code gpuqueue worker} processes on this machine, each on its own home with
 * its own labels and simulated GPUs: matching, fallback to local GPUs, logs through the
 * orchestrator, cancel, drain, a worker killed mid-job, an orchestrator restarted mid-job.
 */
class WorkersIT {
    private static final Duration WAIT = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    /** Keeps every process's log under target/workers-it/<test> (the temp directory goes with the test). */
    @AfterEach
    void keepLogs(TestInfo test) throws IOException {
        Path kept = Path.of("target/workers-it", test.getTestMethod().orElseThrow().getName());
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path log : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                Path copy = kept.resolve(dir.relativize(log).toString().replace('/', '_'));
                Files.createDirectories(kept);
                Files.copy(log, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private ServerProcess orchestrator() {
        return new ServerProcess(dir.resolve("orchestrator"), "--simulate-gpus", "1", "--scheduler-interval", "0.5",
                "--worker-timeout", "4")
                .config("quick", "{\"command\": [\"sh\", \"-c\", \"echo ran on $CUDA_VISIBLE_DEVICES\"]}")
                .config("three", "{\"command\": [\"sh\", \"-c\", \"echo three GPUs $CUDA_VISIBLE_DEVICES\"],"
                        + " \"num_processes\": 3}")
                .config("chatty", "{\"command\": [\"sh\", \"-c\", \"echo first line; sleep 600\"]}")
                .config("six", "{\"command\": [\"sh\", \"-c\", \"echo started; sleep 6; echo finished\"]}")
                .config("sweep", "{\"command\": [\"sh\", \"-c\", \"echo $GPUQUEUE_ARRAY_INDEX lr=$GPUQUEUE_PARAM_LR\"]}");
    }

    /** Creates worker {@code name} through the admin API; its token. */
    private static String addWorker(ServerProcess orchestrator, String name, String labelsJson) {
        JsonNode created = orchestrator.post("/api/admin/workers", "{\"name\": \"" + name + "\", \"labels\": " + labelsJson + "}");
        assertThat(created.get("command").asText()).contains("--token " + created.get("token").asText());
        return created.get("token").asText();
    }

    private static String submit(ServerProcess orchestrator, String body) {
        return orchestrator.post("/api/queue/submit", body).get("job_id").asText();
    }

    private static void awaitWorkerStatus(ServerProcess orchestrator, String worker, String status) {
        Await.until("worker " + worker + " to be " + status, WAIT,
                () -> orchestrator.get("/api/admin/workers/" + worker).get("status").asText().equals(status));
    }

    private static List<String> eventTypes(ServerProcess orchestrator, String job) {
        List<String> types = new ArrayList<>();
        orchestrator.get("/api/jobs/" + job + "/events").get("events").forEach(e -> types.add(e.get("type").asText()));
        return types;
    }

    /** The details of the job's events of {@code type}, oldest first. */
    private static List<String> eventDetails(ServerProcess orchestrator, String job, String type) {
        List<String> details = new ArrayList<>();
        orchestrator.get("/api/jobs/" + job + "/events").get("events").forEach(e -> {
            if (e.get("type").asText().equals(type)) {
                details.add(e.get("detail").asText());
            }
        });
        return details;
    }

    /** Processes on this machine whose environment carries the job's id (the job's, wherever it runs). */
    private static List<Long> processesOf(String job) {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String environ = new String(Files.readAllBytes(proc.resolve("environ")), StandardCharsets.UTF_8);
                    if (List.of(environ.split("\0")).contains("GPUQUEUE_JOB_ID=" + job)) {
                        pids.add(Long.parseLong(proc.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // exited meanwhile, or not ours to read
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }

    /** What {@code gpuqueue jobs logs JOB} prints against the orchestrator. */
    private static String logs(ServerProcess orchestrator, String job) {
        try {
            return orchestrator.cli("jobs", "logs", job).output();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void jobsGoToTheMatchingWorkerAutoFallsBackLogsCancelAndDrainWork() throws Exception {
        try (ServerProcess orchestrator = orchestrator().start()) {
            String tokenA = addWorker(orchestrator, "a", "{\"gpu_type\": \"a100\"}");
            String tokenB = addWorker(orchestrator, "b", "{}");
            try (WorkerProcess a = new WorkerProcess(orchestrator, tokenA, dir.resolve("worker-a"), "--simulate-gpus", "2",
                    "--labels", "zone=lab").start();
                 WorkerProcess b = new WorkerProcess(orchestrator, tokenB, dir.resolve("worker-b"), "--simulate-gpus", "4",
                    "--labels", "gpu_type=h100").start()) {
                awaitWorkerStatus(orchestrator, "a", "idle");
                awaitWorkerStatus(orchestrator, "b", "idle");
                JsonNode listed = orchestrator.get("/api/admin/workers/a");
                assertThat(listed.get("labels").toString()).isEqualTo("{\"gpu_type\":\"a100\",\"zone\":\"lab\"}");
                assertThat(listed.get("gpu_count").asInt()).isEqualTo(2);

                // GPU count: 3 GPUs fit only b; a glob on the label: only a
                String three = submit(orchestrator, "{\"config_name\": \"three\", \"target\": \"worker\"}");
                String glob = submit(orchestrator, "{\"config_name\": \"quick\", \"target\": \"worker\","
                        + " \"worker_labels\": {\"gpu_type\": \"a1*\"}}");
                orchestrator.awaitStatus(three, "completed", WAIT);
                orchestrator.awaitStatus(glob, "completed", WAIT);
                assertThat(eventDetails(orchestrator, three, "dispatched")).containsExactly("on worker b, attempt 1");
                assertThat(eventDetails(orchestrator, glob, "dispatched")).containsExactly("on worker a, attempt 1");
                assertThat(logs(orchestrator, three)).isEqualTo("three GPUs 0,1,2\n");

                // a sweep's jobs on workers see their index and parameters
                JsonNode sweep = orchestrator.post("/api/queue/submit", "{\"config_name\": \"sweep\", \"target\": \"worker\","
                        + " \"array\": {\"values\": {\"lr\": [1e-4, 3e-4]}}}").get("array").get("job_ids");
                for (int index = 0; index < 2; index++) {
                    orchestrator.awaitStatus(sweep.get(index).asText(), "completed", WAIT);
                    assertThat(logs(orchestrator, sweep.get(index).asText()))
                            .isEqualTo(index + " lr=" + (index == 0 ? "0.0001" : "0.0003") + "\n");
                }

                // nothing matches: a worker job waits saying why; an auto job runs on the local GPU
                String nowhere = submit(orchestrator, "{\"config_name\": \"quick\", \"target\": \"worker\","
                        + " \"worker_labels\": {\"gpu_type\": \"v100\"}}");
                assertThat(orchestrator.get("/api/queue/position/" + nowhere).get("pending_reason").asText())
                        .isEqualTo("no worker matches gpu_type=v100");
                String local = submit(orchestrator, "{\"config_name\": \"quick\", \"worker_labels\": {\"gpu_type\": \"v100\"}}");
                orchestrator.awaitStatus(local, "completed", WAIT);
                assertThat(eventDetails(orchestrator, local, "dispatched")).containsExactly("on GPUs [0], attempt 1");
                orchestrator.post("/api/queue/" + nowhere + "/cancel", null);

                // a running worker job's log through the orchestrator, then cancel: the worker stops it
                String chatty = submit(orchestrator, "{\"config_name\": \"chatty\", \"target\": \"worker\","
                        + " \"worker_labels\": {\"gpu_type\": \"a100\"}}");
                assertThat(orchestrator.job(chatty).get("allocated_worker_id").asText()).isEqualTo("a");
                Await.until("the first line through the orchestrator", WAIT,
                        () -> logs(orchestrator, chatty).equals("first line\n"));
                assertThat(orchestrator.status(chatty)).isEqualTo("running");
                assertThat(processesOf(chatty)).isNotEmpty();
                assertThat(orchestrator.post("/api/jobs/" + chatty + "/cancel", null).get("status").asText())
                        .isEqualTo("cancelled");
                assertThat(processesOf(chatty)).as("stopped on the worker").isEmpty();
                awaitWorkerStatus(orchestrator, "a", "idle");

                // a drained worker gets nothing new, whatever its heartbeats say
                assertThat(orchestrator.post("/api/admin/workers/b/drain", null).get("status").asText())
                        .isEqualTo("draining");
                String waits = submit(orchestrator, "{\"config_name\": \"three\", \"target\": \"worker\"}");
                assertThat(orchestrator.post("/api/queue/process", null).get("dispatched").asInt()).isZero();
                assertThat(orchestrator.status(waits)).isEqualTo("pending");
                assertThat(orchestrator.get("/api/queue/position/" + waits).get("pending_reason").asText())
                        .isEqualTo("1 matching worker busy or draining");
                assertThat(orchestrator.get("/api/admin/workers?status=draining").get("workers").get(0)
                        .get("worker_id").asText()).isEqualTo("b");
                orchestrator.post("/api/admin/workers/b/undrain", null);
                orchestrator.awaitStatus(waits, "completed", WAIT);

                JsonNode stats = orchestrator.get("/api/queue/stats").get("workers");
                assertThat(stats.get("total").asInt()).isEqualTo(2);
                assertThat(stats.get("idle").asInt()).isEqualTo(2);
                JsonNode system = orchestrator.get("/api/system/status").get("workers");
                assertThat(system.get(1).get("gpus").size()).isEqualTo(4);
                assertThat(orchestrator.log()).doesNotContain("\tat ");
                assertThat(a.log() + b.log()).doesNotContain("\tat ");
            }
        }
    }

    @Test
    void aWorkerKilledMidJobHasItsJobRequeuedOnTheOtherWorkerAndItsLateReportRefused() throws Exception {
        try (ServerProcess orchestrator = orchestrator().start()) {
            String tokenA = addWorker(orchestrator, "a", "{}");
            String tokenB = addWorker(orchestrator, "b", "{}");
            try (WorkerProcess a = new WorkerProcess(orchestrator, tokenA, dir.resolve("worker-a"), "--simulate-gpus", "1").start()) {
                awaitWorkerStatus(orchestrator, "a", "idle");
                String job = submit(orchestrator, "{\"config_name\": \"six\", \"target\": \"worker\"}");
                Await.until("the job to start on a", WAIT, () -> !processesOf(job).isEmpty());
                try (WorkerProcess b = new WorkerProcess(orchestrator, tokenB, dir.resolve("worker-b"), "--simulate-gpus",
                        "1").start()) {
                    awaitWorkerStatus(orchestrator, "b", "idle");
                    a.kill9();

                    awaitWorkerStatus(orchestrator, "a", "offline");
                    Await.until("the job to run again, on b", WAIT,
                            () -> orchestrator.job(job).get("attempt").asInt() == 2
                                    && "b".equals(orchestrator.job(job).get("allocated_worker_id").asText()));
                    assertThat(eventDetails(orchestrator, job, "lost"))
                            .containsExactly("worker a went offline (no heartbeat for 4 s)");

                    // a comes back with attempt 1 still in hand: its report is refused and it stops what it runs
                    try (WorkerProcess back = new WorkerProcess(orchestrator, tokenA, dir.resolve("worker-a"),
                            "--simulate-gpus", "1").start()) {
                        Await.until("a's late report to be refused", WAIT, () -> back.log().contains("was refused"));
                        orchestrator.awaitStatus(job, "completed", WAIT);
                        JsonNode done = orchestrator.job(job);
                        assertThat(done.get("attempt").asInt()).isEqualTo(2);
                        assertThat(eventDetails(orchestrator, job, "dispatched"))
                                .containsExactly("on worker a, attempt 1", "on worker b, attempt 2");
                        assertThat(eventTypes(orchestrator, job).stream().filter("completed"::equals).count()).isEqualTo(1);
                        Await.until("nothing of the job left on either worker", WAIT, () -> processesOf(job).isEmpty());
                    }
                }
            }
            assertThat(orchestrator.log()).doesNotContain("\tat ");
        }
    }

    @Test
    void restartingTheOrchestratorWhileAWorkerRunsAJobRecordsItOnce() throws Exception {
        try (ServerProcess orchestrator = orchestrator().start()) {
            String token = addWorker(orchestrator, "a", "{}");
            try (WorkerProcess a = new WorkerProcess(orchestrator, token, dir.resolve("worker-a"), "--simulate-gpus", "1").start()) {
                awaitWorkerStatus(orchestrator, "a", "idle");
                String job = submit(orchestrator, "{\"config_name\": \"six\", \"target\": \"worker\"}");
                Await.until("the job to start on a", WAIT, () -> !processesOf(job).isEmpty());

                orchestrator.kill9();
                Await.until("the worker to notice", WAIT, () -> a.log().contains("unreachable"));
                orchestrator.start();

                orchestrator.awaitStatus(job, "completed", WAIT);
                JsonNode done = orchestrator.job(job);
                assertThat(done.get("attempt").asInt()).isEqualTo(1);
                assertThat(done.get("exit_code").asInt()).isZero();
                List<String> types = eventTypes(orchestrator, job);
                assertThat(types).contains("adopted").doesNotContain("requeued", "lost");
                assertThat(types.stream().filter("completed"::equals).count()).isEqualTo(1);
                assertThat(logs(orchestrator, job)).isEqualTo("started\nfinished\n");
                assertThat(a.log()).contains("unreachable").doesNotContain("\tat ");
            }
        }
    }
}
