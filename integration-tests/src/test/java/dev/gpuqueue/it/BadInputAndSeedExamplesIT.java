package dev.gpuqueue.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The running server against bad input (every answer a 4xx with {@code error} and {@code detail},
 * nothing changed, no stack trace in its log), and the seed document's curl examples, run with curl.
 */
class BadInputAndSeedExamplesIT {
    @TempDir
    Path home;

    private record Bad(String method, String path, String body, int status) {}

    @Test
    void everyBadRequestGetsA4xxWithErrorAndDetailAndTheLogHasNoStackTrace() {
        try (ServerProcess server = new ServerProcess(home, "--scheduler-interval", "3600")
                .config("short", "{\"command\": [\"sh\", \"-c\", \"sleep 1\"]}").start()) {
            String done = server.submit("short").get("job_id").asText();
            server.awaitStatus(done, "completed", Duration.ofSeconds(30));
            JsonNode settingsBefore = server.get("/api/queue/concurrency");
            String huge = "{\"config_name\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}";
            List<Bad> sweep = List.of(
                    new Bad("POST", "/api/queue/submit", "{\"config_name\": ", 400),
                    new Bad("POST", "/api/queue/submit", "not json at all", 400),
                    new Bad("POST", "/api/queue/submit", "[]", 400),
                    new Bad("POST", "/api/queue/submit", "{}", 400),
                    new Bad("POST", "/api/queue/submit", "{\"config_name\": 42}", 400),
                    new Bad("POST", "/api/queue/submit", "{\"config_name\": \"../etc/passwd\"}", 400),
                    new Bad("POST", "/api/queue/submit", "{\"config_name\": \"short\", \"target\": \"moon\"}", 400),
                    new Bad("POST", "/api/queue/submit", "{\"config_name\": \"short\", \"no_wait\": \"yes\"}", 400),
                    new Bad("POST", "/api/queue/submit", "{\"config_name\": \"short\", \"colour\": \"red\"}", 400),
                    new Bad("POST", "/api/queue/submit", "{\"config_name\": \"missing-config\"}", 404),
                    new Bad("POST", "/api/queue/submit", huge, 413),
                    new Bad("POST", "/api/queue/concurrency", "{\"max_concurrent\": 0}", 400),
                    new Bad("POST", "/api/queue/concurrency", "{\"max_concurrent\": 101}", 400),
                    new Bad("POST", "/api/queue/concurrency", "{\"user_max_concurrent\": \"three\"}", 400),
                    new Bad("POST", "/api/queue/concurrency", "{\"max_concurrent\": 8, \"starvation_boost\": -1}", 400),
                    new Bad("POST", "/api/queue/concurrency", "{\"enable_fair_share\": 1}", 400),
                    new Bad("POST", "/api/queue/concurrency", "{\"max_concurrent\": 1e400}", 400),
                    new Bad("GET", "/api/queue?limit=0", null, 400),
                    new Bad("GET", "/api/queue?limit=abc", null, 400),
                    new Bad("GET", "/api/queue?status=sleeping", null, 400),
                    new Bad("GET", "/api/jobs?offset=-1", null, 400),
                    new Bad("GET", "/api/jobs/no-such-job", null, 404),
                    new Bad("GET", "/api/jobs/bad%20id!", null, 400),
                    new Bad("GET", "/api/queue/position/no-such-job", null, 404),
                    new Bad("POST", "/api/queue/no-such-job/cancel", null, 404),
                    new Bad("POST", "/api/queue/" + done + "/cancel", null, 409),
                    new Bad("POST", "/api/jobs/" + done + "/cancel", null, 409),
                    new Bad("POST", "/api/queue/" + done + "/approve", null, 409),
                    new Bad("POST", "/api/queue/" + done + "/reject", null, 400),
                    new Bad("POST", "/api/queue/" + done + "/priority", "{\"priority\": 51}", 400),
                    new Bad("POST", "/api/queue/" + done + "/priority", "{\"priority\": 10}", 409),
                    new Bad("POST", "/api/queue/cleanup?days=366", null, 400),
                    new Bad("DELETE", "/api/queue/submit", null, 405),
                    new Bad("GET", "/api/nowhere", null, 404),
                    new Bad("POST", "/api/admin/users", "{\"name\": \"x y\", \"level\": \"admin\"}", 400),
                    new Bad("POST", "/api/admin/users", "{\"name\": \"eve\", \"level\": \"emperor\"}", 400));
            SoftAssertions softly = new SoftAssertions();
            for (Bad bad : sweep) {
                ServerProcess.Answer answer = server.call(bad.method(), bad.path(), bad.body());
                String what = bad.method() + " " + bad.path() + " " + (bad.body() == null ? "" : abbreviate(bad.body()));
                softly.assertThat(answer.status()).as(what + " -> " + answer.body()).isEqualTo(bad.status());
                softly.assertThat(answer.json()).as(what + " answers JSON").isNotNull();
                if (answer.json() != null) {
                    softly.assertThat(answer.json().path("error").asText()).as(what + " error").isNotBlank();
                    softly.assertThat(answer.json().path("detail").asText()).as(what + " detail").isNotBlank();
                }
            }
            softly.assertAll();

            String token = server.post("/api/admin/users", "{\"name\": \"root\", \"level\": \"admin\"}").get("token").asText();
            for (String credentials : List.of("", "wrong-token", token + "x")) {
                server.useToken(credentials.isEmpty() ? null : credentials);
                ServerProcess.Answer refused = server.call("GET", "/api/queue/stats", null);
                assertThat(refused.status()).as("credentials '%s'", credentials).isEqualTo(401);
                assertThat(refused.json().get("detail").asText()).isNotBlank();
            }
            server.useToken(token);
            assertThat(server.get("/api/queue/concurrency")).as("nothing changed").isEqualTo(settingsBefore);
            assertThat(server.allJobs()).hasSize(1);
            assertThat(server.log()).doesNotContain("\tat ").doesNotContain("Exception in");
        }
    }

    /** The seed's curl commands, host and port substituted and a token added, run with curl. */
    @Test
    void theSeedsCurlExamplesAnswerAsTheSeedDescribes() throws Exception {
        try (ServerProcess server = new ServerProcess(home, "--scheduler-interval", "3600")
                .config("my-config", "{\"command\": [\"sh\", \"-c\", \"sleep 1\"]}").start()) {
            String adminToken = server.post("/api/admin/users", "{\"name\": \"root\", \"level\": \"admin\"}").get("token").asText();
            server.useToken(adminToken);
            String auth = " -H \"Authorization: Bearer $ADMIN_TOKEN\"";

            JsonNode settings = curl(server, adminToken, """
                    curl -X POST http://localhost:8000/api/queue/concurrency \\
                      -H "Content-Type: application/json" \\
                      -d '{"max_concurrent": 10, "user_max_concurrent": 3}'""" + auth);
            assertThat(settings.get("max_concurrent").asInt()).isEqualTo(10);
            assertThat(settings.get("user_max_concurrent").asInt()).isEqualTo(3);

            settings = curl(server, adminToken, """
                    curl -X POST http://localhost:8000/api/queue/concurrency \\
                      -H "Content-Type: application/json" \\
                      -d '{"local_gpu_max_concurrent": 6, "local_job_max_concurrent": 2}'""" + auth);
            assertThat(settings.get("local_gpu_max_concurrent").asInt()).isEqualTo(6);
            assertThat(settings.get("local_job_max_concurrent").asInt()).isEqualTo(2);

            settings = curl(server, adminToken, """
                    curl -X POST http://localhost:8000/api/queue/concurrency \\
                      -H "Content-Type: application/json" \\
                      -d '{
                        "max_concurrent": 5,
                        "user_max_concurrent": 2,
                        "team_max_concurrent": 10,
                        "enable_fair_share": false
                      }'""" + auth);
            assertThat(settings.get("max_concurrent").asInt()).isEqualTo(5);
            assertThat(settings.get("enable_fair_share").asBoolean()).isFalse();

            settings = curl(server, adminToken, """
                    curl -X POST http://localhost:8000/api/queue/concurrency \\
                      -H "Content-Type: application/json" \\
                      -d '{
                        "max_concurrent": 10,
                        "user_max_concurrent": 3,
                        "team_max_concurrent": 5,
                        "enable_fair_share": true
                      }'""" + auth);
            assertThat(settings.get("team_max_concurrent").asInt()).isEqualTo(5);
            assertThat(settings.get("enable_fair_share").asBoolean()).isTrue();

            JsonNode toWorker = curl(server, adminToken, """
                    curl -s -X POST http://localhost:8001/api/queue/submit \\
                      -H 'Content-Type: application/json' \\
                      -d '{"config_name": "my-config", "target": "worker"}'""" + auth);
            assertThat(toWorker.get("status").asText()).as("no worker: it waits").isEqualTo("queued");
            assertThat(toWorker.get("reason").asText()).contains("worker");

            JsonNode withLabels = curl(server, adminToken, """
                    curl -s -X POST http://localhost:8001/api/queue/submit \\
                      -H 'Content-Type: application/json' \\
                      -d '{
                        "config_name": "my-config",
                        "target": "worker",
                        "worker_labels": {"gpu_type": "a100*", "location": "us-*"}
                      }'""" + auth);
            assertThat(withLabels.get("status").asText()).isEqualTo("queued");
            assertThat(server.job(withLabels.get("job_id").asText()).get("worker_labels").toString())
                    .isEqualTo("{\"gpu_type\":\"a100*\",\"location\":\"us-*\"}");

            JsonNode stats = curl(server, adminToken, "curl http://localhost:8000/api/queue/stats" + auth);
            assertThat(stats.get("max_concurrent").asInt()).isEqualTo(10);
            assertThat(stats.get("queue_depth").asInt()).isEqualTo(2);

            JsonNode queue = curl(server, adminToken, "curl \"http://localhost:8000/api/queue?include_completed=true\"" + auth);
            assertThat(queue.get("entries")).hasSize(2);
            assertThat(queue.get("total_pending").asInt()).isEqualTo(2);

            JsonNode week = curl(server, adminToken, """
                    curl -X POST "http://localhost:8000/api/queue/cleanup?days=7" \\
                      -H "Authorization: Bearer $ADMIN_TOKEN\"""");
            assertThat(week.get("days").asInt()).isEqualTo(7);
            assertThat(week.get("deleted").asInt()).isZero();
            JsonNode quarter = curl(server, adminToken, """
                    curl -X POST "http://localhost:8000/api/queue/cleanup?days=90" \\
                      -H "Authorization: Bearer $ADMIN_TOKEN\"""");
            assertThat(quarter.get("success").asBoolean()).isTrue();
        }
    }

    /** Runs one seed command with sh (localhost:8000/8001 replaced by the server); its 200 JSON answer. */
    private static JsonNode curl(ServerProcess server, String adminToken, String seedCommand) throws Exception {
        String command = seedCommand.replaceAll("http://localhost:800[01]", server.base()) + " -sS -w '\\n%{http_code}'";
        ProcessBuilder shell = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true);
        shell.environment().put("ADMIN_TOKEN", adminToken);
        Process process = shell.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        int newline = output.lastIndexOf('\n');
        assertThat(output.substring(newline + 1)).as(command + "\n" + output).isEqualTo("200");
        return new ObjectMapper().readTree(output.substring(0, newline));
    }

    private static String abbreviate(String body) {
        return body.length() > 60 ? body.substring(0, 60) + "..." : body;
    }
}
