package dev.gpuqueue.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several users and teams on the real server: fair-share limits, and what a restart must keep. */
class UsersAndRestartIT {
    @TempDir
    Path home;

    private ServerProcess server;
    private String rootToken;

    private void start() {
        server = new ServerProcess(home, "--scheduler-interval", "3600")
                .config("long", "{\"command\": [\"sleep\", \"60\"]}")
                .config("short", "{\"command\": [\"sh\", \"-c\", \"sleep 1; echo done\"]}")
                .start();
        rootToken = createUser("root", "admin", null);
        server.useToken(rootToken);
    }

    private String createUser(String name, String level, String team) {
        String teamJson = team == null ? "null" : "\"" + team + "\"";
        return server.post("/api/admin/users", "{\"name\": \"" + name + "\", \"level\": \"" + level + "\", \"team_id\": "
                + teamJson + "}").get("token").asText();
    }

    @AfterEach
    void stopJobsAndServer() {
        if (server != null) {
            server.useToken(rootToken);
            server.stopLeavingNoJobBehind();
        }
    }

    @Test
    void teamAndUserLimitsDecideWhoRunsAmongSeveralUsersAndTeams() {
        start();
        String alice = createUser("alice", "researcher", "vision");
        String bob = createUser("bob", "researcher", "vision");
        String carol = createUser("carol", "researcher", "nlp");
        server.post("/api/queue/concurrency", "{\"max_concurrent\": 10, \"local_job_max_concurrent\": 10, "
                + "\"user_max_concurrent\": 1, \"team_max_concurrent\": 1, \"enable_fair_share\": true}");
        List<String> bobJobs = new ArrayList<>();
        for (String token : List.of(alice, alice, bob, bob, carol, carol)) {
            server.useToken(token);
            String id = server.submit("long").get("job_id").asText();
            if (token.equals(bob)) {
                bobJobs.add(id);
            }
        }
        server.useToken(rootToken);
        assertThat(runningByUser()).containsExactlyEntriesOf(new TreeMap<>(Map.of("alice", 1, "carol", 1)));
        assertThat(server.get("/api/queue/position/" + bobJobs.get(0)).get("pending_reason").asText()).contains("team");

        server.post("/api/queue/concurrency", "{\"enable_fair_share\": false}");
        server.post("/api/queue/process", null);
        assertThat(runningByUser()).containsExactlyEntriesOf(new TreeMap<>(Map.of("alice", 1, "bob", 1, "carol", 1)));
        assertThat(server.status(bobJobs.get(0))).as("FIFO within a user").isEqualTo("running");
        assertThat(server.get("/api/queue/position/" + bobJobs.get(1)).get("pending_reason").asText()).contains("user");

        server.useToken(alice);
        assertThat(server.call("POST", "/api/jobs/" + bobJobs.get(0) + "/cancel", null).status())
                .as("a researcher cannot cancel another user's job").isEqualTo(403);
        assertThat(server.get("/api/jobs").get("jobs")).allSatisfy(j -> assertThat(j.get("user_name").asText()).isEqualTo("alice"));
    }

    @Test
    void aRestartKeepsSettingsUsersTokensAndQueueOrder() throws Exception {
        start();
        String alice = createUser("alice", "researcher", "vision");
        server.post("/api/queue/concurrency", "{\"max_concurrent\": 7, \"user_max_concurrent\": 3, \"starvation_boost\": 5, "
                + "\"approval_cost_threshold\": 12.5, \"enable_fair_share\": true}");
        JsonNode settings = server.get("/api/queue/concurrency");
        String running = server.submit("long").get("job_id").asText();
        server.useToken(alice);
        server.submit("short");
        server.submit("short");
        server.useToken(rootToken);
        String urgent = server.submit("short").get("job_id").asText();
        server.post("/api/queue/" + urgent + "/priority", "{\"priority\": 40}");
        List<String> order = server.pendingOrder();
        assertThat(order).hasSize(3).first().isEqualTo(urgent);
        JsonNode users = server.get("/api/admin/users");

        assertThat(server.sigterm()).isIn(0, 143);
        server.start();

        assertThat(server.get("/api/queue/concurrency")).isEqualTo(settings);
        assertThat(server.get("/api/admin/users")).isEqualTo(users);
        assertThat(server.pendingOrder()).isEqualTo(order);
        assertThat(server.status(running)).as("adopted, still holding the only local slot").isEqualTo("running");
        server.useToken(alice);
        assertThat(server.get("/api/queue/me").get("pending_count").asInt()).isEqualTo(2);
        server.useToken("not-a-token");
        ServerProcess.Answer refused = server.call("GET", "/api/queue/me", null);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.json().get("error").asText()).isEqualTo("unauthorized");
    }

    private Map<String, Integer> runningByUser() {
        Map<String, Integer> running = new TreeMap<>();
        server.get("/api/queue?status=running").get("entries")
                .forEach(e -> running.merge(e.get("user_name").asText(), 1, Integer::sum));
        return running;
    }
}
