package dev.gpuqueue.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuqueue.core.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measured crash safety: 8 client threads submit jobs while jobs run, and the server is killed with
 * SIGKILL at a random moment after at least 500 submits were acknowledged; after a restart every
 * acknowledged submit exists exactly once and every job ran exactly once. Repeated for 50 kill points
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
        int jobsChecked = 0;
        for (int trial = 0; trial < TRIALS; trial++) {
            Path home = dir.resolve("trial-" + trial);
            try (ServerProcess server = new ServerProcess(home, "--scheduler-interval", "0.5", "--simulate-gpus", "10")
                    .config("tick", "{\"command\": [\"sh\", \"-c\", \"echo start; sleep 0.01; echo end\"]}").start()) {
                server.post("/api/queue/concurrency",
                        "{\"local_job_max_concurrent\": 10, \"max_concurrent\": 100, \"user_max_concurrent\": 20}");
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

                Await.until("the queue to drain", Duration.ofSeconds(90), () -> server.get("/api/queue/stats")
                        .get("by_status").get("pending").asInt() + server.get("/api/queue/stats").get("running").asInt() == 0);
                for (JsonNode job : server.allJobs()) {
                    Path log = home.resolve("logs/" + job.get("job_id").asText() + ".log");
                    String output = Files.exists(log) ? Files.readString(log) : "";
                    jobsChecked++;
                    if (!output.equals("start\nend\n")) {
                        ranTwice++;
                        System.out.println("job " + job.get("job_id").asText() + " (" + job.get("status").asText()
                                + ", attempt " + job.get("attempt").asInt() + ") output: " + output.replace("\n", "|"));
                    }
                }
                server.sigterm();
            }
        }
        System.out.printf("%ncrash safety: %d trials, %d submits acknowledged, %d found after restart, "
                + "%d duplicated, %d of %d jobs not run exactly once%n%n", TRIALS, acknowledgedTotal, foundTotal,
                duplicates, ranTwice, jobsChecked);
        assertThat(foundTotal).isEqualTo(acknowledgedTotal);
        assertThat(duplicates).isZero();
        assertThat(ranTwice).isZero();
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
