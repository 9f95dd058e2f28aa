package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input of every kind against every route with a body or parameters: each answer is a 4xx
 * with {@code error} and {@code detail}, never a 5xx, and nothing changes.
 */
class BadInputTest extends ApiTestBase {
    private static final String BIG = "{\"config_name\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}";
    private String running;
    private String pending;
    private String blocked;
    private String snapshot;

    @BeforeEach
    void someState() {
        running = post("/api/queue/submit", "{\"config_name\": \"train\"}").json().get("job_id").asText();
        pending = post("/api/queue/submit", "{\"config_name\": \"train\"}").json().get("job_id").asText();
        blocked = post("/api/queue/submit", "{\"config_name\": \"train\", \"requires_approval\": true}").json()
                .get("job_id").asText();
        snapshot = state();
    }

    /** Everything a bad request could have changed. */
    private String state() {
        return get("/api/jobs?limit=200").body() + get("/api/queue/concurrency").body();
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                // submit
                Arguments.of("POST", "/api/queue/submit", "", 400, "a JSON body is required"),
                Arguments.of("POST", "/api/queue/submit", "not json", 400, "malformed JSON"),
                Arguments.of("POST", "/api/queue/submit", "[1, 2]", 400, "JSON object"),
                Arguments.of("POST", "/api/queue/submit", "null", 400, "JSON object"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": \"train\"} trailing", 400, "malformed JSON"),
                Arguments.of("POST", "/api/queue/submit", "{}", 400, "config_name is required"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": null}", 400, "config_name is required"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": 7}", 400, "config_name"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": \"train\", \"no_wait\": \"yes\"}", 400, "no_wait"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": \"train\", \"any_gpu\": 1}", 400, "any_gpu"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": \"train\", \"target\": \"gpu\"}", 400, "allowed: auto, worker, local"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": \"train\", \"worker_labels\": [\"a\"]}", 400, "worker_labels"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": \"train\", \"worker_labels\": {\"gpu\": null}}", 400,
                        "worker_labels: label gpu needs a value"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": \"train\", \"worker_labels\": {\"gpu\": \""
                        + "*".repeat(257) + "\"}}", 400, "at most 256 characters"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": \"train\", \"worker_labels\": {\"a b\": \"x\"}}", 400,
                        "worker_labels: a label key"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": \"train\", \"colour\": \"red\"}", 400, "unknown field 'colour'"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": \"../etc/passwd\"}", 400, "no paths"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": \"nope\"}", 404, "no job config named 'nope'"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": \"train\", \"idempotency_key\": \"" + "k".repeat(300) + "\"}", 400, "idempotency_key"),
                Arguments.of("POST", "/api/queue/submit", BIG, 413, "larger than 1 MiB"),
                // concurrency
                Arguments.of("POST", "/api/queue/concurrency", "", 400, "a JSON body is required"),
                Arguments.of("POST", "/api/queue/concurrency", "{oops", 400, "malformed JSON"),
                Arguments.of("POST", "/api/queue/concurrency", "42", 400, "JSON object"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"max_concurrent\": \"10\"}", 400, "max_concurrent must be a whole number"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"max_concurrent\": 0}", 400, "max_concurrent must be a whole number between 1 and 100"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"max_concurrent\": 99999999999999999999999}", 400, "max_concurrent"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"max_concurrent\": 1e300}", 400, "max_concurrent"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"user_max_concurrent\": 18446744073709551619}", 400,
                        "user_max_concurrent must be a whole number between 1 and 20 (got 18446744073709551619)"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"user_max_concurrent\": 18446744073709551616}", 400,
                        "(got 18446744073709551616)"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"user_max_concurrent\": -18446744073709551616}", 400,
                        "(got -18446744073709551616)"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"max_concurrent\": 1e99999999}", 400, "(got 1E+99999999)"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"approval_cost_threshold\": 1e99999999}", 400,
                        "approval_cost_threshold must be a finite number >= 0"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"max_concurrent\": 5, \"max_concurrent\": 6}", 400,
                        "Duplicate field 'max_concurrent'"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"user_max_pending\": 0}", 400,
                        "user_max_pending must be a whole number between 1 and 100000, or null for unlimited (got 0)"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"max_concurrent\": null}", 400, "cannot be null"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"enable_fair_share\": \"true\"}", 400, "true or false"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"starvation_boost\": -1}", 400, "starvation_boost"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"approval_cost_threshold\": \"cheap\"}", 400, "approval_cost_threshold"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"max_concurrent\": 10, \"colour\": 1}", 400, "unknown setting [colour]"),
                Arguments.of("POST", "/api/queue/concurrency", BIG, 413, "larger than 1 MiB"),
                // priority
                Arguments.of("POST", "/api/queue/{pending}/priority", "", 400, "a JSON body is required"),
                Arguments.of("POST", "/api/queue/{pending}/priority", "{}", 400, "priority is required"),
                Arguments.of("POST", "/api/queue/{pending}/priority", "{\"priority\": 51}", 400, "between 0 and 50"),
                Arguments.of("POST", "/api/queue/{pending}/priority", "{\"priority\": -1}", 400, "between 0 and 50"),
                Arguments.of("POST", "/api/queue/{pending}/priority", "{\"priority\": 4.5}", 400, "whole number"),
                Arguments.of("POST", "/api/queue/{pending}/priority", "{\"priority\": \"high\"}", 400, "whole number"),
                Arguments.of("POST", "/api/queue/{pending}/priority", "{\"priority\": 9999999999999}", 400, "whole number"),
                Arguments.of("POST", "/api/queue/{pending}/priority", "{\"priority\": 5, \"x\": 1}", 400, "unknown field 'x'"),
                Arguments.of("POST", "/api/queue/{pending}/priority", "{\"priority\": 18446744073709551616}", 400,
                        "(got 18446744073709551616)"),
                Arguments.of("POST", "/api/queue/{pending}/priority", "{\"priority\": 1, \"priority\": 2}", 400,
                        "Duplicate field 'priority'"),
                Arguments.of("POST", "/api/queue/submit", "{\"config_name\": \"train\", \"config_name\": \"big\"}", 400,
                        "Duplicate field 'config_name'"),
                Arguments.of("POST", "/api/queue/{running}/priority", "{\"priority\": 40}", 409, "only while pending or blocked"),
                Arguments.of("POST", "/api/queue/nope/priority", "{\"priority\": 40}", 404, "no job with id 'nope'"),
                // ids, states and parameters
                Arguments.of("POST", "/api/queue/{running}/cancel", "", 409, "POST /api/jobs/"),
                Arguments.of("POST", "/api/queue/bad$id/cancel", "", 400, "invalid job id"),
                Arguments.of("POST", "/api/queue/nope/cancel", "", 404, "no job with id 'nope'"),
                Arguments.of("POST", "/api/queue/{pending}/approve", "", 409, "only blocked jobs can be approved"),
                Arguments.of("POST", "/api/queue/{blocked}/reject", "", 400, "reason is required"),
                Arguments.of("POST", "/api/queue/{blocked}/reject?reason=", "", 400, "reason is required"),
                Arguments.of("POST", "/api/queue/{pending}/reject?reason=no", "", 409, "only blocked jobs can be rejected"),
                Arguments.of("POST", "/api/queue/cleanup?days=0", "", 400, "days must be a whole number between 1 and 365"),
                Arguments.of("POST", "/api/queue/cleanup?days=366", "", 400, "days must be a whole number between 1 and 365"),
                Arguments.of("POST", "/api/queue/cleanup?days=week", "", 400, "days must be a whole number"),
                Arguments.of("POST", "/api/queue/cleanup?days=99999999999999", "", 400, "days"),
                Arguments.of("POST", "/api/queue/cleanup?days=18446744073709551619", "", 400, "(got 18446744073709551619)"),
                Arguments.of("GET", "/api/queue/me?limit=0", "", 400, "limit must be a whole number between 1 and 200"),
                Arguments.of("GET", "/api/queue/me?offset=-1", "", 400, "offset must be a whole number between 0 and 2147483647"),
                Arguments.of("GET", "/api/jobs?limit=1e99999999", "", 400, "(got 1e99999999)"),
                Arguments.of("GET", "/api/jobs?offset=1e99999999", "", 400, "(got 1e99999999)"),
                Arguments.of("GET", "/api/queue/me?limit=-1e99999999", "", 400, "(got -1e99999999)"),
                Arguments.of("POST", "/api/queue/{pending}/priority", "{\"priority\": 1e99999999}", 400, "(got 1E+99999999)"),
                Arguments.of("POST", "/api/queue/{pending}/priority", "{\"priority\": \"10\"}", 400, "(got \"10\")"),
                Arguments.of("POST", "/api/queue/cleanup?days=\u0663", "", 400, "days must be a whole number"),
                Arguments.of("GET", "/api/queue?offset=2147483648", "", 400, "between 0 and 2147483647"),
                Arguments.of("DELETE", "/api/admin/users/99999999999999999999", "", 400, "user_id must be a user id"),
                Arguments.of("POST", "/api/queue/concurrency", "{\"max_concurrent\": 5} {\"x\": 1}", 400,
                        "content after the JSON value"),
                Arguments.of("GET", "/api/queue?status=done", "", 400, "allowed: pending (or queued), blocked, running"),
                Arguments.of("GET", "/api/queue?limit=0", "", 400, "limit must be a whole number between 1 and 200"),
                Arguments.of("GET", "/api/queue?limit=201", "", 400, "limit must be a whole number between 1 and 200"),
                Arguments.of("GET", "/api/queue?limit=ten", "", 400, "limit must be a whole number"),
                Arguments.of("GET", "/api/queue?offset=-1", "", 400, "offset must be a whole number between 0 and 2147483647"),
                Arguments.of("GET", "/api/queue?include_completed=maybe", "", 400, "include_completed must be true or false"),
                Arguments.of("GET", "/api/queue/position/nope", "", 404, "no job with id 'nope'"),
                Arguments.of("GET", "/api/jobs?status=finished", "", 400, "allowed:"),
                Arguments.of("GET", "/api/jobs?limit=500", "", 400, "limit must be a whole number between 1 and 200"),
                Arguments.of("GET", "/api/jobs?user=alice", "", 400, "user must be a whole number"),
                Arguments.of("GET", "/api/jobs/nope", "", 404, "no job with id 'nope'"),
                Arguments.of("GET", "/api/jobs/{running}/logs?offset=-5", "", 400, "offset must be a whole number >= 0"),
                Arguments.of("GET", "/api/jobs/{running}/logs?tail=0", "", 400, "tail must be a whole number between 1 and"),
                Arguments.of("GET", "/api/jobs/nope/events", "", 404, "no job with id 'nope'"),
                Arguments.of("POST", "/api/jobs/nope/cancel", "", 404, "no job with id 'nope'"),
                Arguments.of("GET", "/api/system/status?include_allocation=perhaps", "", 400, "include_allocation"),
                Arguments.of("GET", "/api/no/such/route", "", 404, "no route GET /api/no/such/route"),
                Arguments.of("DELETE", "/api/queue/stats", "", 405, "not allowed"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/api/jobs/%00", "/api/..;/queue", "/api/jobs/%2e%2e%2fetc", "/api/%E0%A4%A"})
    void pathsTheWebServerRefusesItselfGetTheSameJsonErrorBody(String path) {
        RawHttp.Response answer = RawHttp.send(app.port(), "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1", null);

        assertThat(answer.status()).isBetween(400, 404);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        assertThat(answer.body()).contains("\"error\":").contains("\"detail\":").doesNotContain("<html")
                .doesNotContain("\tat ");
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("badRequests")
    void badInputIsA4xxThatSaysWhatToFixAndChangesNothing(String method, String path, String body, int status,
            String detail) {
        String resolved = path.replace("{running}", running).replace("{pending}", pending).replace("{blocked}", blocked);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + resolved))
                .header("Content-Type", "application/json")
                .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));

        Answer answer = send(request);

        assertThat(answer.status()).as(answer.body().length() > 300 ? answer.body().substring(0, 300) : answer.body())
                .isEqualTo(status);
        assertThat(answer.json()).as("a JSON error body").isNotNull();
        assertThat(answer.json().get("error").asText()).isNotBlank();
        assertThat(answer.json().get("detail").asText()).contains(detail).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(state()).as("nothing changed").isEqualTo(snapshot);
    }

    @Test
    void cancellingATerminalJobIsAConflictAndLeavesItAsItWas() {
        post("/api/jobs/" + pending + "/cancel");
        String before = state();

        Answer again = post("/api/jobs/" + pending + "/cancel");

        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("detail").asText()).contains("terminal states never change");
        assertThat(state()).isEqualTo(before);
    }
}
