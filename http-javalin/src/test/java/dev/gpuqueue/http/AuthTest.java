package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.memory.InMemoryUserDirectory;
import dev.gpuqueue.core.port.HostStatus;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.service.UserAdmin;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class AuthTest extends AuthTestBase {

    @Test
    void bearerAndApiKeyHeadersBothWork() {
        HttpRequest.Builder apiKey = HttpRequest.newBuilder(URI.create(base + "/api/queue/me"))
                .header("X-API-Key", tokens.get("owner"));
        HttpRequest.Builder lowerBearer = HttpRequest.newBuilder(URI.create(base + "/api/queue/me"))
                .header("Authorization", "bearer " + tokens.get("owner"));

        assertThat(send(apiKey).status()).isEqualTo(200);
        assertThat(send(lowerBearer).status()).isEqualTo(200);
        assertThat(as("owner", "GET", "/api/queue/me", null).status()).isEqualTo(200);
        Answer basic = send(HttpRequest.newBuilder(URI.create(base + "/api/queue/me")).header("Authorization", "Basic abc"));
        assertThat(basic.status()).isEqualTo(401);
        assertThat(basic.json().get("detail").asText()).contains("Authorization: Bearer");
    }

    @Test
    void aRotatedTokenOrARemovedUserStopsWorkingAtOnce() {
        String old = tokens.get("other");
        JsonNode rotated = as("admin", "POST", "/api/admin/users/" + ids.get("other") + "/token", null).json();
        String fresh = rotated.get("token").asText();

        tokens.put("other", old);
        assertThat(as("other", "GET", "/api/queue/me", null).status()).isEqualTo(401);
        tokens.put("other", fresh);
        assertThat(as("other", "GET", "/api/queue/me", null).status()).isEqualTo(200);

        assertThat(as("admin", "DELETE", "/api/admin/users/" + ids.get("other"), null).status()).isEqualTo(204);
        assertThat(as("other", "GET", "/api/queue/me", null).status()).isEqualTo(401);
        assertThat(as("admin", "DELETE", "/api/admin/users/" + ids.get("other"), null).status()).isEqualTo(404);
    }

    @Test
    void theLastAdminCannotBeRemovedWhileOthersExistAndTheLastUserNeedsConfirmation() {
        Answer lastAdmin = as("admin", "DELETE", "/api/admin/users/" + ids.get("admin"), null);
        assertThat(lastAdmin.status()).isEqualTo(409);
        assertThat(lastAdmin.json().get("detail").asText()).contains("ada is the last admin and 4 other user(s) exist");

        for (String role : List.of("lead", "owner", "other", "viewer")) {
            assertThat(as("admin", "DELETE", "/api/admin/users/" + ids.get(role), null).status()).isEqualTo(204);
        }
        Answer unconfirmed = as("admin", "DELETE", "/api/admin/users/" + ids.get("admin"), null);
        assertThat(unconfirmed.status()).isEqualTo(409);
        assertThat(unconfirmed.json().get("detail").asText()).contains("ada is the last user").contains("confirm=true");
        assertThat(as("admin", "GET", "/api/admin/users", null).status()).as("auth still on").isEqualTo(200);
        assertThat(as("none", "GET", "/api/queue", null).status()).isEqualTo(401);

        assertThat(as("admin", "DELETE", "/api/admin/users/" + ids.get("admin") + "?confirm=true", null).status())
                .isEqualTo(204);
        assertThat(as("none", "GET", "/api/queue", null).status()).as("single-user mode is back").isEqualTo(200);
    }

    @Test
    void aUserAddedWhileTheServerRunsWorksAtOnceAndTokensAreNeverShownAgain() {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        logs.start();
        root.addAppender(logs);
        try {
            Answer created = as("admin", "POST", "/api/admin/users",
                    "{\"name\": \"nina\", \"level\": \"lead\", \"team_id\": \"gamma\"}");
            assertThat(created.status()).isEqualTo(201);
            String token = created.json().get("token").asText();
            assertThat(token).startsWith("gq_");
            tokens.put("nina", token);

            assertThat(as("nina", "POST", "/api/queue/submit", "{\"config_name\": \"train\"}").status()).isEqualTo(200);
            Answer list = as("admin", "GET", "/api/admin/users", null);
            assertThat(list.json().get("users")).hasSize(6);
            assertThat(list.body()).doesNotContain(token).doesNotContain("token");
            for (String existing : tokens.values()) {
                assertThat(list.body()).doesNotContain(existing);
                assertThat(as("admin", "GET", "/api/jobs?limit=200", null).body()).doesNotContain(existing);
            }
            List<ILoggingEvent> logged;
            synchronized (logs) { // other threads may log meanwhile; the appender appends under its own lock
                logged = new ArrayList<>(logs.list);
            }
            assertThat(logged).extracting(ILoggingEvent::getFormattedMessage).noneMatch(m -> m.contains(token));
        } finally {
            root.detachAppender(logs);
        }
    }

    @Test
    void jobsRecordTheSubmittersIdNameLevelPriorityAndTeam() {
        String id = as("lead", "POST", "/api/queue/submit", "{\"config_name\": \"train\"}").json().get("job_id").asText();

        JsonNode job = as("lead", "GET", "/api/jobs/" + id, null).json();

        assertThat(job.get("user_id").asLong()).isEqualTo(ids.get("lead"));
        assertThat(job.get("user_name").asText()).isEqualTo("lena");
        assertThat(job.get("priority").asInt()).isEqualTo(20);
        assertThat(job.get("team_id").asText()).isEqualTo("alpha");
    }

    @Test
    void researchersListOnlyTheirOwnJobs() {
        as("owner", "POST", "/api/queue/submit", "{\"config_name\": \"train\"}");
        as("other", "POST", "/api/queue/submit", "{\"config_name\": \"train\"}");

        JsonNode mine = as("owner", "GET", "/api/jobs", null).json();
        assertThat(mine.get("total").asInt()).isEqualTo(1);
        assertThat(mine.get("jobs").get(0).get("user_name").asText()).isEqualTo("rita");
        assertThat(as("owner", "GET", "/api/queue", null).json().get("entries")).hasSize(1);
        assertThat(as("lead", "GET", "/api/jobs", null).json().get("total").asInt()).isEqualTo(2);
        assertThat(as("owner", "GET", "/api/jobs?user=" + ids.get("other"), null).status()).isEqualTo(403);
    }

    @Test
    void withoutUsersEveryRequestOnLoopbackIsTheLocalAdminUntilTheFirstUserIsAdded() {
        UserAdmin empty = new UserAdmin(new InMemoryUserDirectory(), h.store, h.clock);
        Javalin single = HttpApi.create(new ApiDependencies(h.service(), h.scheduler(), h.queue.workers(), h.gpus, HostStatus.unknown(),
                JobLogs.none(), empty, new TokenAuth(empty, true), h.clock));
        HttpApi.start(single, "127.0.0.1", 0, empty);
        String url = "http://127.0.0.1:" + single.port();
        try {
            assertThat(send(HttpRequest.newBuilder(URI.create(url + "/api/queue/process")).POST(HttpRequest.BodyPublishers.noBody()))
                    .status()).isEqualTo(200);
            Answer first = send(HttpRequest.newBuilder(URI.create(url + "/api/admin/users"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"root\", \"level\": \"admin\"}")));
            assertThat(first.status()).isEqualTo(201);

            assertThat(send(HttpRequest.newBuilder(URI.create(url + "/api/queue/me"))).status()).isEqualTo(401);
            assertThat(send(HttpRequest.newBuilder(URI.create(url + "/api/queue/me"))
                    .header("Authorization", "Bearer " + first.json().get("token").asText())).status()).isEqualTo(200);
        } finally {
            single.stop();
        }
    }

    @Test
    void theServerRefusesToListenBeyondLoopbackWithoutUsers() {
        UserAdmin empty = new UserAdmin(new InMemoryUserDirectory(), h.store, h.clock);
        Javalin open = HttpApi.create(new ApiDependencies(h.service(), h.scheduler(), h.queue.workers(), h.gpus, HostStatus.unknown(),
                JobLogs.none(), empty, new TokenAuth(empty, false), h.clock));

        assertThatThrownBy(() -> HttpApi.start(open, "0.0.0.0", 0, empty))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("refusing to listen on 0.0.0.0 without users");
        assertThat(HttpApi.isLoopback("127.0.0.1")).isTrue();
        assertThat(HttpApi.isLoopback("localhost")).isTrue();
        assertThat(HttpApi.isLoopback("0.0.0.0")).isFalse();

        // Defence in depth: a resolver for a non-loopback server never grants single-user admin.
        assertThatThrownBy(() -> new TokenAuth(empty, false).resolve(null)).isInstanceOf(UnauthorizedException.class)
                .hasMessageContaining("no users exist");
    }
}
