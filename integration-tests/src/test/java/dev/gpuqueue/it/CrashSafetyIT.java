package dev.gpuqueue.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuqueue.core.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measured crash safety: 8 client threads submit jobs while jobs run, and the server is killed with
 * SIGKILL at a random moment after at least 500 submits were acknowledged; after the restart every
 * acknowledged submit exists exactly once, the jobs still pending are cancelled, and no job ran twice
 * (a completed job's log shows one run from start to end, a job that never started shows none). The
 * restarted server takes the next trial's load: 50 kill points on one state directory
 * ({@code -Dcrash.trials=N} for more); the figures are printed.
 */
class CrashSafetyIT {
    private static final int TRIALS = Integer.getInteger("crash.trials", 50);
    private static final int THREADS = 8;
    private static final int ACKNOWLEDGED_BEFORE_KILL = 500;

    @TempDir
    Path dir;

    @Test
    void acknowledgedSubmitsSurviveSigkillAtRandomMomentsAndNoJobRunsTwice() throws Exception {
        Random random = new Random(2026);
        int acknowledgedTotal = 0;
        int foundTotal = 0;
        int duplicates = 0;
        int ranTwice = 0;
        int ran = 0;

        Path home = dir.resolve("home");
        Set<String> checked = new HashSet<>();
        try (ServerProcess server = new ServerProcess(home, "--scheduler-interval", "0.5", "--simulate-gpus", "4")
                .config("tick", "{\"command\": [\"sh\", \"-c\", \"echo start; sleep 0.3; echo end\"]}").start()) {
            server.post("/api/queue/concurrency",
                    "{\"local_job_max_concurrent\": 4, \"max_concurrent\": 100, \"user_max_concurrent\": 20}");
            for (int trial = 0; trial < TRIALS; trial++) {
                ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
                load(server, acknowledged, random.nextInt(500));
                assertThat(acknowledged).as("trial %d: submits acknowledged before the kill", trial)
                        .hasSizeGreaterThanOrEqualTo(ACKNOWLEDGED_BEFORE_KILL);

                server.start();
                List<JsonNode> stored = server.allJobs();
                Map<String, Integer> copies = new HashMap<>();
                stored.forEach(j -> copies.merge(j.get("job_id").asText(), 1, Integer::sum));
                int found = (int) acknowledged.stream().filter(copies::containsKey).count();
                duplicates += (int) copies.values().stream().filter(n -> n > 1).count();
                acknowledgedTotal += acknowledged.size();
                foundTotal += found;
                assertThat(found).as("trial %d: acknowledged submits found after the crash", trial)
                        .isEqualTo(acknowledged.size());

                cancelPending(server, stored);
                Await.until("the queue to drain", Duration.ofSeconds(90), () -> {
                    JsonNode stats = server.get("/api/queue/stats");
                    return stats.get("by_status").get("pending").asInt() + stats.get("running").asInt() == 0;
                });
                for (JsonNode job : server.allJobs()) {
                    if (!checked.add(job.get("job_id").asText())) {
                        continue; // checked in an earlier trial
                    }
                    Path log = home.resolve("logs/" + job.get("job_id").asText() + ".log");
                    String output = Files.exists(log) ? Files.readString(log) : "";
                    if (!output.isEmpty()) {
                        ran++;
                    }
                    if (!ranAtMostOnce(job, output)) {
                        ranTwice++;
                        System.out.println("job " + job.get("job_id").asText() + " (" + job.get("status").asText()
                                + ", attempt " + job.get("attempt").asInt() + ") output: " + output.replace("\n", "|"));
                    }
                }
            }
            server.sigterm();
        }
        System.out.printf("%ncrash safety: %d trials, %d submits acknowledged, %d found after restart, "
                + "%d duplicated; %d jobs ran, %d of them not exactly once%n%n", TRIALS, acknowledgedTotal, foundTotal,
                duplicates, ran, ranTwice);
        assertThat(foundTotal).isEqualTo(acknowledgedTotal);
        assertThat(duplicates).isZero();
        assertThat(ranTwice).isZero();
        assertThat(ran).as("jobs ran around the kills").isGreaterThan(TRIALS * 10);
    }

    /**
     * What a job's log says fits one run at most: a completed job ran once from start to end; a job
     * that never started has no output; a job cancelled while running started once.
     */
    private static boolean ranAtMostOnce(JsonNode job, String output) {
        String status = job.get("status").asText();
        if (status.equals("completed")) {
            return output.equals("start\nend\n");
        }
        if (!status.equals("cancelled")) {
            return false;
        }
        return job.get("started_at").isNull() ? output.isEmpty() : output.equals("start\n") || output.equals("start\nend\n");
    }

    /** Cancels the jobs still pending after the restart (running them all would take minutes per trial). */
    private static void cancelPending(ServerProcess server, List<JsonNode> jobs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> cancels = new ArrayList<>();
            for (JsonNode job : jobs) {
                if (job.get("status").asText().equals("pending")) {
                    cancels.add(pool.submit(() -> server.call("POST", "/api/queue/" + job.get("job_id").asText() + "/cancel", null)));
                }
            }
            for (Future<?> cancel : cancels) {
                cancel.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * 8 threads submit until the server dies, which happens {@code extraMillis} after the 500th
     * acknowledged submit.
     */
    private static void load(ServerProcess server, ConcurrentLinkedQueue<String> acknowledged, int extraMillis)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                clients.add(pool.submit(() -> {
                    while (true) {
                        try {
                            ServerProcess.Answer answer = server.call("POST", "/api/queue/submit", "{\"config_name\": \"tick\"}");
                            if (answer.status() == 200 && answer.json().hasNonNull("job_id")) {
                                acknowledged.add(answer.json().get("job_id").asText());
                            }
                        } catch (RuntimeException serverGone) {
                            return null;
                        }
                    }
                }));
            }
            Await.until("500 acknowledged submits", Duration.ofSeconds(60),
                    () -> acknowledged.size() >= ACKNOWLEDGED_BEFORE_KILL);
            Thread.sleep(extraMillis);
            server.kill9();
            for (Future<?> client : clients) {
                client.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
