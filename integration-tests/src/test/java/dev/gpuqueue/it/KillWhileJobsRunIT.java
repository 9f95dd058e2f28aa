package dev.gpuqueue.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuqueue.core.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server dies (SIGKILL) or stops (SIGTERM) while jobs run; jobs are never lost and never run again. */
class KillWhileJobsRunIT {
    @TempDir
    Path home;

    private ServerProcess server() {
        return new ServerProcess(home, "--scheduler-interval", "0.5")
                .config("short", "{\"command\": [\"sh\", \"-c\", \"sleep 1; echo finished\"]}")
                .config("long", "{\"command\": [\"sh\", \"-c\", \"sleep 6; echo finished-long\"]}");
    }

    private String log(String id) throws Exception {
        return Files.readString(home.resolve("logs/" + id + ".log"));
    }

    @Test
    void afterSigkillAJobThatFinishedMeanwhileIsCompletedFromItsExitFileAndALiveOneIsAdopted() throws Exception {
        try (ServerProcess server = server().start()) {
            server.post("/api/queue/concurrency", "{\"local_job_max_concurrent\": 2}");
            String shortJob = server.post("/api/queue/submit", "{\"config_name\": \"short\"}").get("job_id").asText();
            String longJob = server.post("/api/queue/submit", "{\"config_name\": \"long\"}").get("job_id").asText();
            assertThat(server.job(longJob).get("allocated_gpus").toString()).isEqualTo("[1]");

            server.kill9();
            Await.until("the short job to finish while the server is down", Duration.ofSeconds(20),
                    () -> Files.exists(home.resolve("logs/" + shortJob + ".1.exit")));
            server.start();

            JsonNode finished = server.job(shortJob);
            assertThat(finished.get("status").asText()).isEqualTo("completed");
            assertThat(finished.get("exit_code").asInt()).isZero();
            assertThat(log(shortJob)).as("ran exactly once").isEqualTo("finished\n");
            JsonNode adopted = server.job(longJob);
            assertThat(adopted.get("status").asText()).isEqualTo("running");
            assertThat(server.get("/api/queue/stats").get("local").get("allocated_gpus").toString())
                    .as("the adopted job keeps its GPU").isEqualTo("[1]");
            JsonNode events = server.get("/api/jobs/" + longJob + "/events").get("events");
            assertThat(events.get(events.size() - 1).get("type").asText()).isEqualTo("adopted");

            Await.until("the adopted job to complete", Duration.ofSeconds(30),
                    () -> server.job(longJob).get("status").asText().equals("completed"));
            assertThat(log(longJob)).isEqualTo("finished-long\n");
            assertThat(server.get("/api/queue/stats").get("local").get("allocated_gpus").toString()).isEqualTo("[]");
            assertThat(server.sigterm()).isIn(0, 143);
        }
    }

    @Test
    void sigtermStopsTheServerGracefullyAndTheRestartAdoptsTheStillRunningJob() throws Exception {
        try (ServerProcess server = server().start()) {
            String longJob = server.post("/api/queue/submit", "{\"config_name\": \"long\"}").get("job_id").asText();
            long pid = server.job(longJob).get("pid").asLong();

            assertThat(server.sigterm()).isIn(0, 143);
            assertThat(server.log()).contains("running jobs were left running").doesNotContain("\tat ");
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("the job outlives the server").isPresent();

            server.start();
            assertThat(server.job(longJob).get("status").asText()).isEqualTo("running");
            Await.until("the adopted job to complete", Duration.ofSeconds(30),
                    () -> server.job(longJob).get("status").asText().equals("completed"));
            assertThat(log(longJob)).isEqualTo("finished-long\n");
        }
    }
}
