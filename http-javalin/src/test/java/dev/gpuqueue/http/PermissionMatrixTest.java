package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.service.SubmitRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every route × no token, bad token, viewer, owner (a researcher), another researcher, lead, admin:
 * the expected status, one row per case. Jobs named in paths belong to the owner.
 */
class PermissionMatrixTest extends AuthTestBase {
    private static final String[] ROLES = {"none", "bad", "viewer", "owner", "other", "lead", "admin"};
    private String pending;
    private String blocked;
    private String running;
    private String done;

    @BeforeEach
    void ownersJobs() {
        var owner = users.authenticate(tokens.get("owner")).orElseThrow();
        running = h.submit(owner, SubmitRequest.builder("train")).jobId().value();
        pending = h.submit(owner, SubmitRequest.builder("train")).jobId().value();
        blocked = h.submit(owner, SubmitRequest.builder("train").requiresApproval(true)).jobId().value();
        done = h.submit(owner, SubmitRequest.builder("train").provider("replicate")).jobId().value();
        h.cloud.report(JobId.of(done), AttemptOutcome.succeeded());
    }

    /** route, body, then the expected status for each role in {@link #ROLES} order. */
    private static final Object[][] MATRIX = {
            {"GET /api/queue", null, "401 401 200 200 200 200 200"},
            {"GET /api/queue/stats", null, "401 401 200 200 200 200 200"},
            {"GET /api/queue/me", null, "401 401 200 200 200 200 200"},
            {"GET /api/queue/position/{pending}", null, "401 401 403 200 403 200 200"},
            {"POST /api/queue/{pending}/cancel", null, "401 401 403 200 403 200 200"},
            {"POST /api/queue/{blocked}/approve", null, "401 401 403 403 403 403 200"},
            {"POST /api/queue/{blocked}/reject?reason=no", null, "401 401 403 403 403 403 200"},
            {"POST /api/queue/{pending}/priority", "{\"priority\": 40}", "401 401 403 403 403 200 200"},
            {"GET /api/queue/concurrency", null, "401 401 200 200 200 200 200"},
            {"POST /api/queue/concurrency", "{\"max_concurrent\": 7}", "401 401 403 403 403 403 200"},
            {"POST /api/queue/process", null, "401 401 403 403 403 403 200"},
            {"POST /api/queue/cleanup", null, "401 401 403 403 403 403 200"},
            {"POST /api/queue/submit", "{\"config_name\": \"train\"}", "401 401 200 200 200 200 200"},
            {"GET /api/jobs", null, "401 401 200 200 200 200 200"},
            {"GET /api/jobs/{pending}", null, "401 401 403 200 403 200 200"},
            {"POST /api/jobs/{running}/cancel", null, "401 401 403 200 403 200 200"},
            {"GET /api/jobs/{pending}/logs", null, "401 401 403 200 403 200 200"},
            {"GET /api/jobs/{pending}/events", null, "401 401 403 200 403 200 200"},
            {"GET /api/system/status", null, "401 401 200 200 200 200 200"},
            {"GET /api/health", null, "200 200 200 200 200 200 200"},
            {"GET /api/admin/users", null, "401 401 403 403 403 403 200"},
            {"POST /api/admin/users", "{\"name\": \"newbie\", \"level\": \"viewer\"}", "401 401 403 403 403 403 201"},
            {"DELETE /api/admin/users/{viewer_id}", null, "401 401 403 403 403 403 204"},
            {"POST /api/admin/users/{viewer_id}/token", null, "401 401 403 403 403 403 200"},
            // Permission before state: someone else's finished job is 403, not 409.
            {"POST /api/jobs/{done}/cancel", null, "401 401 403 409 403 409 409"},
            {"POST /api/queue/{running}/cancel", null, "401 401 403 409 403 409 409"},
            {"POST /api/queue/{pending}/approve", null, "401 401 403 403 403 403 409"},
    };

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Object[] row : MATRIX) {
            String[] expected = ((String) row[2]).split(" ");
            for (int i = 0; i < ROLES.length; i++) {
                cases.add(Arguments.of(row[0], row[1], ROLES[i], Integer.parseInt(expected[i])));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} as {2} -> {3}")
    @MethodSource("cases")
    void eachRoleGetsTheDocumentedStatus(String route, String body, String role, int status) {
        String[] parts = route.split(" ", 2);
        String path = parts[1].replace("{pending}", pending).replace("{blocked}", blocked).replace("{running}", running)
                .replace("{done}", done).replace("{viewer_id}", String.valueOf(ids.get("viewer")));

        Answer answer = as(role, parts[0], path, body);

        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        if (status == 401) {
            assertThat(answer.raw().headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        }
        if (status >= 400) {
            assertThat(answer.json().get("error").asText()).isNotBlank();
            assertThat(answer.json().get("detail").asText()).isNotBlank();
        }
    }
}
