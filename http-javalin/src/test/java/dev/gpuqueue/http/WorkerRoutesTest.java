package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The remote-worker routes over HTTP, with real token authentication: who may call them (only a
 * worker with its own, current token), who may not call user and admin routes (a worker), what bad
 * input they refuse (a 400 that says what to fix, and nothing changes), the leases (a report for an
 * attempt the worker does not hold is a 409 and changes nothing) and the shapes of their answers.
 */
class WorkerRoutesTest extends AuthTestBase {
    private static final String ONE_GPU = "{\"gpus\": [{\"index\": 0, \"name\": \"g\"}]}";
    private static final String TO_WORKERS = "{\"config_name\": \"train\", \"target\": \"worker\"}";

    // ---- helpers ---------------------------------------------------------------------------------

    /** A request with exactly the headers given (name, value, name, value...), and a JSON body when not null. */
    private Answer call(String method, String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    /** A POST as the worker whose token is {@code token}. */
    private Answer worker(String token, String path, String body) {
        return call("POST", path, body, WorkerAuth.HEADER, token);
    }

    /** Creates a worker as the admin; returns its token. */
    private String createWorker(String name, String labelsJson) {
        Answer created = as("admin", "POST", "/api/admin/workers", labelsJson == null
                ? "{\"name\": \"" + name + "\"}" : "{\"name\": \"" + name + "\", \"labels\": " + labelsJson + "}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().get("token").asText();
    }

    /** Creates and registers a worker with one GPU; returns its token. */
    private String onlineWorker(String name) {
        String token = createWorker(name, null);
        Answer registered = worker(token, "/api/workers/register", ONE_GPU);
        assertThat(registered.status()).as(registered.body()).isEqualTo(200);
        return token;
    }

    /** Submits a job for the workers as the researcher rita; returns its id. */
    private String submitToWorkers() {
        Answer submitted = as("owner", "POST", "/api/queue/submit", TO_WORKERS);
        assertThat(submitted.status()).as(submitted.body()).isEqualTo(200);
        return submitted.json().get("job_id").asText();
    }

    private JsonNode job(String id) {
        Answer answer = as("admin", "GET", "/api/jobs/" + id, null);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json();
    }

    private JsonNode workerView(String id) {
        Answer answer = as("admin", "GET", "/api/admin/workers/" + id, null);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json();
    }

    /** Everything a refused request could have changed: the workers as admins see them, and every job. */
    private String state() {
        return as("admin", "GET", "/api/admin/workers", null).body() + as("admin", "GET", "/api/jobs?limit=200", null).body();
    }

    private static void assertError(Answer answer, int status, String error, String... detailParts) {
        String shown = answer.body().length() > 300 ? answer.body().substring(0, 300) : answer.body();
        assertThat(answer.status()).as(shown).isEqualTo(status);
        assertThat(answer.json()).as("a JSON error body: " + shown).isNotNull();
        assertThat(answer.json().get("error").asText()).as(shown).isEqualTo(error);
        String detail = answer.json().get("detail").asText();
        for (String part : detailParts) {
            assertThat(detail).contains(part);
        }
        assertThat(detail).doesNotContain("Exception").doesNotContain("\tat ");
    }

    /** Two registered one-GPU workers, w-a and w-b, and a job for the workers, running on w-a. */
    private record Fleet(String a, String b, String job) {}

    private Fleet fleet() {
        String a = onlineWorker("w-a");
        String b = onlineWorker("w-b");
        String job = submitToWorkers();
        JsonNode running = job(job);
        assertThat(running.get("status").asText()).isEqualTo("running");
        assertThat(running.get("allocated_worker_id").asText()).as("the smallest idle worker, ties by id").isEqualTo("w-a");
        assertThat(running.get("attempt").asInt()).isEqualTo(1);
        return new Fleet(a, b, job);
    }

    private static String status(int attempt, String status) {
        return "{\"attempt\": " + attempt + ", \"status\": \"" + status + "\"" + (status.equals("exited") ? ", \"exit_code\": 0" : "")
                + (status.equals("lost") ? ", \"message\": \"gone\"" : "") + "}";
    }

    private static String log(int attempt, long offset, byte[] data) {
        return "{\"attempt\": " + attempt + ", \"offset\": " + offset + ", \"data\": \""
                + Base64.getEncoder().encodeToString(data) + "\"}";
    }

    // ---- 1. worker routes take a current worker token, nothing else --------------------------------

    static Stream<Arguments> workerRoutes() {
        return Stream.of(
                Arguments.of("/api/workers/register", ONE_GPU),
                Arguments.of("/api/workers/heartbeat", "{}"),
                Arguments.of("/api/workers/poll", "{\"wait_seconds\": 0}"),
                Arguments.of("/api/workers/jobs/somejob/status", "{\"attempt\": 1, \"status\": \"running\"}"),
                Arguments.of("/api/workers/jobs/somejob/log", "{\"attempt\": 1, \"offset\": 0, \"data\": \"aGk=\"}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("workerRoutes")
    void everyWorkerRouteRefusesAnythingButACurrentWorkerToken(String path, String body) {
        onlineWorker("w-a");
        String removed = createWorker("w-gone", null);
        assertThat(as("admin", "DELETE", "/api/admin/workers/w-gone", null).status()).isEqualTo(204);
        String old = createWorker("w-rot", null);
        Answer rotated = as("admin", "POST", "/api/admin/workers/w-rot/token", null);
        assertThat(rotated.status()).isEqualTo(200);
        assertThat(rotated.json().get("worker_id").asText()).isEqualTo("w-rot");
        String fresh = rotated.json().get("token").asText();
        assertThat(fresh).startsWith("gqw_").isNotEqualTo(old);
        assertThat(rotated.json().get("command").asText()).contains("--token " + fresh);
        String before = state();

        Answer none = call("POST", path, body);
        assertError(none, 401, "unauthorized", "X-Worker-Token required");
        assertThat(none.raw().headers().firstValue("WWW-Authenticate")).hasValue("Bearer");

        assertError(call("POST", path, body, "Authorization", "Bearer " + tokens.get("admin")), 401, "unauthorized",
                "X-Worker-Token", "a user token is not a worker token");
        assertError(call("POST", path, body, "X-API-Key", tokens.get("owner")), 401, "unauthorized",
                "a user token is not a worker token");
        assertError(worker(tokens.get("admin"), path, body), 401, "unauthorized", "unknown or revoked worker token");
        assertError(worker("gqw_not-a-real-token", path, body), 401, "unauthorized", "unknown or revoked worker token");
        assertError(worker(removed, path, body), 401, "unauthorized", "unknown or revoked worker token");
        assertError(worker(old, path, body), 401, "unauthorized", "unknown or revoked worker token",
                "gpuqueue workers token");

        assertThat(state()).as("nothing changed").isEqualTo(before);
        assertThat(workerView("w-rot").get("status").asText()).as("never heard from").isEqualTo("connecting");
        assertThat(worker(fresh, "/api/workers/heartbeat", "{}").status()).as("the new token works").isEqualTo(200);
        assertThat(workerView("w-rot").get("status").asText()).isEqualTo("idle");
    }

    // ---- 2. user and admin routes refuse a worker ------------------------------------------------

    @Test
    void aWorkerTokenOpensNoUserOrAdminRoute() {
        String token = onlineWorker("w-a");
        String before = state();

        assertError(call("GET", "/api/queue", null, WorkerAuth.HEADER, token), 403, "forbidden",
                "a worker token is not a user token");
        assertError(call("POST", "/api/queue/submit", TO_WORKERS, WorkerAuth.HEADER, token), 403, "forbidden",
                "a worker token is not a user token");
        assertError(call("POST", "/api/queue/submit", TO_WORKERS, WorkerAuth.HEADER, token,
                "Authorization", "Bearer " + tokens.get("owner")), 403, "forbidden", "a worker token is not a user token");
        assertError(call("GET", "/api/admin/workers", null, WorkerAuth.HEADER, token), 403, "forbidden",
                "a worker token is not a user token");
        assertError(call("POST", "/api/admin/workers/w-a/token", null, WorkerAuth.HEADER, token), 403, "forbidden",
                "a worker token is not a user token");

        Answer bearer = call("GET", "/api/queue", null, "Authorization", "Bearer " + token);
        assertError(bearer, 401, "unauthorized", "this is a worker token");
        assertError(call("POST", "/api/queue/submit", TO_WORKERS, "Authorization", "Bearer " + token), 401,
                "unauthorized", "this is a worker token; user routes take a user token");
        assertError(call("GET", "/api/admin/workers", null, "X-API-Key", token), 401, "unauthorized",
                "this is a worker token");

        assertThat(h.jobCount()).as("nothing stored").isZero();
        assertThat(state()).isEqualTo(before);
    }

    // ---- 3. admin worker routes --------------------------------------------------------------------

    @Test
    void onlyAdminsManageWorkers() {
        onlineWorker("w-a");
        String before = state();
        List<String[]> routes = List.of(
                new String[] {"GET", "/api/admin/workers", null},
                new String[] {"POST", "/api/admin/workers", "{\"name\": \"w-new\"}"},
                new String[] {"GET", "/api/admin/workers/w-a", null},
                new String[] {"POST", "/api/admin/workers/w-a/drain", null},
                new String[] {"POST", "/api/admin/workers/w-a/undrain", null},
                new String[] {"POST", "/api/admin/workers/w-a/token", null},
                new String[] {"DELETE", "/api/admin/workers/w-a", null});

        for (String[] route : routes) {
            for (String role : List.of("lead", "owner", "viewer")) {
                assertError(as(role, route[0], route[1], route[2]), 403, "forbidden", "managing workers needs the admin level");
            }
            assertError(as("owner", route[0], route[1], route[2]), 403, "forbidden", "(you are researcher)");
            assertError(as("none", route[0], route[1], route[2]), 401, "unauthorized", "credentials required");
        }

        assertThat(state()).as("nothing changed").isEqualTo(before);
        assertThat(workerView("w-a").get("draining").asBoolean()).isFalse();
        assertThat(as("admin", "GET", "/api/admin/workers", null).json().get("workers")).hasSize(1);
    }

    static Stream<Arguments> badAdminRequests() {
        String tooLong = "w".repeat(65);
        return Stream.of(
                Arguments.of("POST", "/api/admin/workers", "{\"name\": \"a b\"}", 400, "bad_request", "a worker name is 1 to 64 letters"),
                Arguments.of("POST", "/api/admin/workers", "{\"name\": \"\"}", 400, "bad_request", "a worker name is 1 to 64 letters"),
                Arguments.of("POST", "/api/admin/workers", "{\"name\": \"" + tooLong + "\"}", 400, "bad_request", "a worker name is 1 to 64"),
                Arguments.of("POST", "/api/admin/workers", "{\"name\": \"-w\"}", 400, "bad_request", "starting with a letter or digit"),
                Arguments.of("POST", "/api/admin/workers", "{}", 400, "bad_request", "a worker name is"),
                Arguments.of("POST", "/api/admin/workers", "{\"name\": 7}", 400, "bad_request", "field 'name'"),
                Arguments.of("POST", "/api/admin/workers", "", 400, "bad_request", "a JSON body is required"),
                Arguments.of("POST", "/api/admin/workers", "{\"name\": \"w-x\", \"colour\": 1}", 400, "bad_request", "unknown field 'colour'"),
                Arguments.of("POST", "/api/admin/workers", "{\"name\": \"w-a\"}", 409, "conflict", "a worker named w-a exists"),
                Arguments.of("POST", "/api/admin/workers", "{\"name\": \"w-x\", \"labels\": {\"bad key\": \"v\"}}", 400, "bad_request",
                        "a label key is 1 to 64 letters"),
                Arguments.of("POST", "/api/admin/workers", "{\"name\": \"w-x\", \"labels\": {\"k\": \"" + "v".repeat(257) + "\"}}", 400,
                        "bad_request", "label k needs a value of at most 256 characters"),
                Arguments.of("POST", "/api/admin/workers", "{\"name\": \"w-x\", \"labels\": {\"k\": 1}}", 400, "bad_request", "labels"),
                Arguments.of("GET", "/api/admin/workers/ghost", null, 404, "not_found", "no worker named ghost"),
                Arguments.of("POST", "/api/admin/workers/ghost/drain", null, 404, "not_found", "no worker named ghost"),
                Arguments.of("POST", "/api/admin/workers/ghost/undrain", null, 404, "not_found", "no worker named ghost"),
                Arguments.of("DELETE", "/api/admin/workers/ghost", null, 404, "not_found", "no worker named ghost"),
                Arguments.of("POST", "/api/admin/workers/ghost/token", null, 404, "not_found", "no worker named ghost"),
                Arguments.of("GET", "/api/admin/workers?status=sleeping", null, 400, "bad_request",
                        "unknown worker status 'sleeping'; allowed: connecting, idle, busy, draining, offline"),
                Arguments.of("DELETE", "/api/admin/workers/w-a?force=maybe", null, 400, "bad_request",
                        "force must be true or false (got 'maybe')"));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("badAdminRequests")
    void badAdminRequestsAreRefusedWithWhatToFixAndChangeNothing(String method, String path, String body, int status,
            String error, String detail) {
        onlineWorker("w-a");
        String before = state();

        assertError(as("admin", method, path, body), status, error, detail);

        assertThat(state()).as("nothing changed").isEqualTo(before);
    }

    @Test
    void aWorkerNameOf64CharactersIsAcceptedAndTheListFiltersByStatus() {
        String name = "w".repeat(64);
        createWorker(name, "{\"site\": \"lab\"}");
        onlineWorker("w-a");

        assertThat(as("admin", "GET", "/api/admin/workers?status=connecting", null).json().get("workers"))
                .extracting(w -> w.get("worker_id").asText()).containsExactly(name);
        assertThat(as("admin", "GET", "/api/admin/workers?status=IDLE", null).json().get("workers"))
                .extracting(w -> w.get("worker_id").asText()).containsExactly("w-a");
        assertThat(as("admin", "GET", "/api/admin/workers?status=busy", null).json().get("workers")).isEmpty();
        assertThat(as("admin", "GET", "/api/admin/workers", null).json().get("workers")).hasSize(2);
        JsonNode created = workerView(name);
        assertThat(created.get("admin_labels").get("site").asText()).isEqualTo("lab");
        assertThat(created.get("worker_type").asText()).isEqualTo("gpu");
        assertThat(created.get("registered_at").isNull()).isTrue();
    }

    // ---- 4. bad input on worker routes -------------------------------------------------------------

    static Stream<Arguments> badWorkerRequests() {
        String thousandGpus = IntStream.range(0, 1025).mapToObj(i -> "{\"index\": " + i + ", \"name\": \"g\"}")
                .collect(Collectors.joining(", ", "{\"gpus\": [", "]}"));
        String overChunk = log(1, 0, new byte[600 * 1024]);
        String overBody = log(1, 0, new byte[800 * 1024]);
        return Stream.of(
                // register
                Arguments.of("/api/workers/register", "{\"gpus\": [{\"index\": 0, \"name\": \"g\"}, {\"index\": 0, \"name\": \"h\"}]}",
                        400, "each GPU needs a distinct index >= 0"),
                Arguments.of("/api/workers/register", "{\"gpus\": [{\"index\": -1, \"name\": \"g\"}]}", 400,
                        "each GPU needs a distinct index >= 0"),
                Arguments.of("/api/workers/register", "{\"gpus\": [{\"name\": \"g\"}]}", 400, "each GPU needs a distinct index"),
                Arguments.of("/api/workers/register", "{\"gpus\": [{\"index\": 0}]}", 400, "GPU 0 needs a name of at most 256 characters"),
                Arguments.of("/api/workers/register", "{\"gpus\": [{\"index\": 0, \"name\": \" \"}]}", 400, "GPU 0 needs a name"),
                Arguments.of("/api/workers/register", "{\"gpus\": [{\"index\": 0, \"name\": \"g\", \"memory_total_mb\": -1}]}", 400,
                        "GPU 0: memory_total_mb must be between 0 and 2^30"),
                Arguments.of("/api/workers/register", thousandGpus, 400, "at most 1024 GPUs, got 1025"),
                Arguments.of("/api/workers/register", "{\"gpus\": [", 400, "malformed JSON"),
                Arguments.of("/api/workers/register", "", 400, "a JSON body is required"),
                Arguments.of("/api/workers/register", "[]", 400, "JSON object"),
                Arguments.of("/api/workers/register", "{\"gpus\": [], \"colour\": 1}", 400, "unknown field 'colour'"),
                Arguments.of("/api/workers/register", "{\"gpus\": [], \"labels\": {\"bad key\": \"v\"}}", 400, "a label key is"),
                Arguments.of("/api/workers/register", "{\"gpus\": [], \"running\": {\"job_id\": \"x\"}}", 400,
                        "running needs job_id and attempt"),
                Arguments.of("/api/workers/register", "{\"gpus\": [], \"running\": {\"job_id\": \"x\", \"attempt\": 0}}", 400,
                        "attempt must be >= 1 (got 0)"),
                Arguments.of("/api/workers/register", "{\"gpus\": [], \"running\": {\"job_id\": \"bad$id\", \"attempt\": 1}}", 400,
                        "invalid job id 'bad$id'"),
                // heartbeat
                Arguments.of("/api/workers/heartbeat", "{\"running\": {\"job_id\": \"x\"}}", 400, "running needs job_id and attempt"),
                Arguments.of("/api/workers/heartbeat", "{\"running\": {\"attempt\": 1}}", 400, "running needs job_id and attempt"),
                Arguments.of("/api/workers/heartbeat", "{\"colour\": 1}", 400, "unknown field 'colour'"),
                Arguments.of("/api/workers/heartbeat", "", 400, "a JSON body is required"),
                // poll
                Arguments.of("/api/workers/poll", "{\"wait_seconds\": 9}", 400, "wait_seconds must be between 0 and 8 (got 9)"),
                Arguments.of("/api/workers/poll", "{\"wait_seconds\": -1}", 400, "wait_seconds must be between 0 and 8 (got -1)"),
                Arguments.of("/api/workers/poll", "{\"wait_seconds\": \"5\"}", 400, "wait_seconds"),
                Arguments.of("/api/workers/poll", "{\"wait_seconds\": 0, \"running\": {\"job_id\": \"x\"}}", 400,
                        "running needs job_id and attempt"),
                // status
                Arguments.of("/api/workers/jobs/{job}/status", "{\"attempt\": 0, \"status\": \"running\"}", 400,
                        "attempt is required: the attempt number the worker runs (>= 1)"),
                Arguments.of("/api/workers/jobs/{job}/status", "{\"status\": \"running\"}", 400, "attempt is required"),
                Arguments.of("/api/workers/jobs/{job}/status", "{\"attempt\": 1, \"status\": \"done\"}", 400,
                        "status must be running, exited or lost (got 'done')"),
                Arguments.of("/api/workers/jobs/{job}/status", "{\"attempt\": 1}", 400, "status must be running, exited or lost"),
                Arguments.of("/api/workers/jobs/{job}/status", "{\"attempt\": 1, \"status\": \"exited\"}", 400,
                        "exit_code is required with status exited"),
                Arguments.of("/api/workers/jobs/{job}/status", "{\"attempt\": 1, \"status\": \"lost\"}", 400,
                        "message is required with status lost"),
                Arguments.of("/api/workers/jobs/{job}/status", "{\"attempt\": 1, \"status\": \"lost\", \"message\": \"  \"}", 400,
                        "message is required with status lost"),
                Arguments.of("/api/workers/jobs/{job}/status", "{\"attempt\": 1, \"status\": \"exited\", \"exit_code\": \"0\"}", 400,
                        "exit_code"),
                Arguments.of("/api/workers/jobs/{job}/status", "{\"attempt\": 1, \"status\": \"running\", \"x\": 1}", 400,
                        "unknown field 'x'"),
                Arguments.of("/api/workers/jobs/bad$id/status", "{\"attempt\": 1, \"status\": \"running\"}", 400,
                        "invalid job id 'bad$id'"),
                Arguments.of("/api/workers/jobs/" + "j".repeat(65) + "/status", "{\"attempt\": 1, \"status\": \"running\"}", 400,
                        "invalid job id"),
                // log
                Arguments.of("/api/workers/jobs/{job}/log", "{\"attempt\": 1, \"offset\": -1, \"data\": \"aGk=\"}", 400,
                        "offset is required: a whole number >= 0"),
                Arguments.of("/api/workers/jobs/{job}/log", "{\"attempt\": 1, \"data\": \"aGk=\"}", 400, "offset is required"),
                Arguments.of("/api/workers/jobs/{job}/log", "{\"offset\": 0, \"data\": \"aGk=\"}", 400, "attempt is required"),
                Arguments.of("/api/workers/jobs/{job}/log", "{\"attempt\": 1, \"offset\": 0, \"data\": \"not base64!\"}", 400,
                        "data must be base64"),
                Arguments.of("/api/workers/jobs/{job}/log", overChunk, 400, "a log chunk is at most 524288 bytes (got 614400)"),
                Arguments.of("/api/workers/jobs/{job}/log", overBody, 413, "the request body is larger than 1 MiB"),
                Arguments.of("/api/workers/jobs/bad$id/log", "{\"attempt\": 1, \"offset\": 0, \"data\": \"aGk=\"}", 400,
                        "invalid job id 'bad$id'"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badWorkerRequests")
    void badInputOnWorkerRoutesIsA4xxThatSaysWhatToFixAndChangesNothing(String path, String body, int status, String detail) {
        Fleet fleet = fleet();
        String before = state();

        Answer answer = worker(fleet.a(), path.replace("{job}", fleet.job()), body);

        assertError(answer, status, status == 413 ? "payload_too_large" : "bad_request", detail);
        assertThat(state()).as("nothing changed").isEqualTo(before);
        JsonNode job = job(fleet.job());
        assertThat(job.get("status").asText()).isEqualTo("running");
        assertThat(job.get("attempt").asInt()).isEqualTo(1);
        assertThat(job.get("allocated_worker_id").asText()).isEqualTo("w-a");
    }

    @Test
    void aLogChunkOfExactly512KiBIsAccepted() {
        Fleet fleet = fleet();

        Answer written = worker(fleet.a(), "/api/workers/jobs/" + fleet.job() + "/log", log(1, 7, new byte[512 * 1024]));

        assertThat(written.status()).as(written.body()).isEqualTo(200);
        assertThat(written.json().get("next_offset").asLong()).isEqualTo(7 + 512 * 1024);
    }

    // ---- 5. leases -----------------------------------------------------------------------------------

    @Test
    void reportsOnAJobTheWorkerDoesNotHoldAreRefusedAndChangeNothing() {
        Fleet fleet = fleet();
        String other = submitToWorkers();
        assertThat(job(other).get("allocated_worker_id").asText()).isEqualTo("w-b");
        String pending = submitToWorkers();
        assertThat(job(pending).get("status").asText()).as("no idle worker is left").isEqualTo("pending");
        String before = state();

        for (String report : List.of("running", "exited", "lost")) {
            assertError(worker(fleet.a(), "/api/workers/jobs/" + pending + "/status", status(1, report)), 409, "conflict",
                    "report for job " + pending + " attempt 1 refused", "the job is pending");
            assertError(worker(fleet.a(), "/api/workers/jobs/" + other + "/status", status(1, report)), 409, "conflict",
                    "refused", "the job runs on another worker");
            assertError(worker(fleet.a(), "/api/workers/jobs/" + fleet.job() + "/status", status(2, report)), 409, "conflict",
                    "report for job " + fleet.job() + " attempt 2 refused", "attempt 1 holds the job");
            assertError(worker(fleet.b(), "/api/workers/jobs/" + fleet.job() + "/status", status(1, report)), 409, "conflict",
                    "refused", "the job runs on another worker");
            assertError(worker(fleet.a(), "/api/workers/jobs/nope/status", status(1, report)), 409, "conflict",
                    "refused", "no such job");
        }
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        assertError(worker(fleet.a(), "/api/workers/jobs/" + pending + "/log", log(1, 0, hello)), 409, "conflict",
                "refused", "the job is pending");
        assertError(worker(fleet.a(), "/api/workers/jobs/" + other + "/log", log(1, 0, hello)), 409, "conflict",
                "refused", "the job runs on another worker");
        assertError(worker(fleet.a(), "/api/workers/jobs/" + fleet.job() + "/log", log(2, 0, hello)), 409, "conflict",
                "refused", "attempt 1 holds the job");
        assertError(worker(fleet.b(), "/api/workers/jobs/" + fleet.job() + "/log", log(1, 0, hello)), 409, "conflict",
                "refused", "the job runs on another worker");

        assertThat(state()).as("nothing changed").isEqualTo(before);
        assertThat(job(fleet.job()).get("status").asText()).isEqualTo("running");
        assertThat(job(fleet.job()).get("attempt").asInt()).isEqualTo(1);
        assertThat(job(other).get("status").asText()).isEqualTo("running");
        assertThat(job(other).get("attempt").asInt()).isEqualTo(1);
        assertThat(job(pending).get("status").asText()).isEqualTo("pending");
        assertThat(job(pending).get("attempt").asInt()).isEqualTo(1);
    }

    @Test
    void aJobForWorkersRunsOnTheChosenWorkerUntilThatWorkerReportsItsEnd() {
        Fleet fleet = fleet();
        JsonNode busy = workerView("w-a");
        assertThat(busy.get("status").asText()).isEqualTo("busy");
        assertThat(busy.get("current_job_id").asText()).isEqualTo(fleet.job());
        assertThat(busy.get("current_attempt").asInt()).isEqualTo(1);
        assertThat(workerView("w-b").get("status").asText()).isEqualTo("idle");

        Answer poll = worker(fleet.a(), "/api/workers/poll", "{\"wait_seconds\": 0}");
        assertThat(poll.status()).as(poll.body()).isEqualTo(200);
        JsonNode run = poll.json().get("run");
        assertThat(run.get("job_id").asText()).isEqualTo(fleet.job());
        assertThat(run.get("attempt").asInt()).isEqualTo(1);
        assertThat(run.get("config_name").asText()).isEqualTo("train");
        assertThat(run.get("user_name").asText()).isEqualTo("rita");
        assertThat(run.get("config").get("command")).extracting(JsonNode::asText).containsExactly("python", "train.py");
        assertThat(poll.json().get("stop").isNull()).isTrue();
        JsonNode idle = worker(fleet.b(), "/api/workers/poll", "{\"wait_seconds\": 0}").json();
        assertThat(idle.get("run").isNull()).isTrue();
        assertThat(idle.get("stop").isNull()).isTrue();
        Answer runsIt = worker(fleet.a(), "/api/workers/poll", "{\"wait_seconds\": 0, \"running\": {\"job_id\": \""
                + fleet.job() + "\", \"attempt\": 1}}");
        assertThat(runsIt.json().get("run").isNull()).as("it runs it already").isTrue();
        assertThat(runsIt.json().get("stop").isNull()).isTrue();

        assertError(worker(fleet.b(), "/api/workers/jobs/" + fleet.job() + "/status", status(1, "exited")), 409, "conflict",
                "refused");
        assertThat(job(fleet.job()).get("status").asText()).isEqualTo("running");

        Answer running = worker(fleet.a(), "/api/workers/jobs/" + fleet.job() + "/status", status(1, "running"));
        assertThat(running.status()).as(running.body()).isEqualTo(200);
        assertThat(running.json().get("job_id").asText()).isEqualTo(fleet.job());
        assertThat(running.json().get("attempt").asInt()).isEqualTo(1);
        assertThat(running.json().get("status").asText()).isEqualTo("running");

        Answer written = worker(fleet.a(), "/api/workers/jobs/" + fleet.job() + "/log", "{\"attempt\": 1, \"offset\": 10, \"data\": \""
                + Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8)) + "\"}");
        assertThat(written.status()).as(written.body()).isEqualTo(200);
        assertThat(written.json().get("next_offset").asLong()).isEqualTo(15);

        Answer exited = worker(fleet.a(), "/api/workers/jobs/" + fleet.job() + "/status", status(1, "exited"));
        assertThat(exited.status()).as(exited.body()).isEqualTo(200);
        assertThat(exited.json().get("status").asText()).isEqualTo("exited");
        JsonNode done = job(fleet.job());
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("exit_code").asInt()).isZero();
        assertThat(done.get("attempt").asInt()).isEqualTo(1);
        String after = state();

        assertError(worker(fleet.a(), "/api/workers/jobs/" + fleet.job() + "/status", status(1, "exited")), 409, "conflict",
                "refused", "the job is completed");
        assertError(worker(fleet.a(), "/api/workers/jobs/" + fleet.job() + "/log", log(1, 15, new byte[3])), 409, "conflict",
                "refused", "the job is completed");
        assertThat(state()).isEqualTo(after);
        assertThat(workerView("w-a").get("status").asText()).isEqualTo("idle");

        JsonNode stop = worker(fleet.a(), "/api/workers/heartbeat", "{\"running\": {\"job_id\": \"" + fleet.job()
                + "\", \"attempt\": 1}}").json();
        assertThat(stop.get("stop").get("job_id").asText()).as("whatever it still runs, it stops").isEqualTo(fleet.job());
        assertThat(stop.get("stop").get("attempt").asInt()).isEqualTo(1);
        assertThat(stop.get("run").isNull()).isTrue();
    }

    @Test
    void aLostAttemptIsRequeuedAndTheOldAttemptsReportsAreRefused() {
        Fleet fleet = fleet();

        Answer lost = worker(fleet.a(), "/api/workers/jobs/" + fleet.job() + "/status",
                "{\"attempt\": 1, \"status\": \"lost\", \"message\": \"could not start: no such file\"}");

        assertThat(lost.status()).as(lost.body()).isEqualTo(200);
        assertThat(lost.json().get("status").asText()).isEqualTo("lost");
        JsonNode requeued = job(fleet.job());
        assertThat(requeued.get("attempt").asInt()).isEqualTo(2);
        assertThat(requeued.get("status").asText()).isIn("pending", "running");
        assertError(worker(fleet.a(), "/api/workers/jobs/" + fleet.job() + "/status", status(1, "exited")), 409, "conflict",
                "attempt 1 refused");
        assertThat(job(fleet.job()).get("attempt").asInt()).isEqualTo(2);
    }

    @Test
    void removingABusyWorkerNeedsForceAndItsTokenStopsWorkingAtOnce() {
        Fleet fleet = fleet();
        String before = state();

        assertError(as("admin", "DELETE", "/api/admin/workers/w-a", null), 409, "conflict",
                "worker w-a runs job " + fleet.job(), "force=true");
        assertThat(state()).isEqualTo(before);

        assertThat(as("admin", "DELETE", "/api/admin/workers/w-a?force=true", null).status()).isEqualTo(204);

        JsonNode job = job(fleet.job());
        assertThat(job.get("attempt").asInt()).as("given up: requeued").isEqualTo(2);
        assertThat(job.get("allocated_worker_id").asText()).isNotEqualTo("w-a");
        assertError(worker(fleet.a(), "/api/workers/jobs/" + fleet.job() + "/status", status(1, "exited")), 401,
                "unauthorized", "unknown or revoked worker token");
        assertError(worker(fleet.a(), "/api/workers/heartbeat", "{}"), 401, "unauthorized", "unknown or revoked worker token");
        assertError(as("admin", "GET", "/api/admin/workers/w-a", null), 404, "not_found", "no worker named w-a");
    }

    @Test
    void cancellingAJobOnAWorkerTellsThatWorkerToStopAndEndsWhenItReportsTheExit() throws Exception {
        Fleet fleet = fleet();
        String held = "{\"running\": {\"job_id\": \"" + fleet.job() + "\", \"attempt\": 1}}";
        CompletableFuture<HttpResponse<String>> cancel = client.sendAsync(
                HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + fleet.job() + "/cancel"))
                        .header("Authorization", "Bearer " + tokens.get("owner")).timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());

        JsonNode told = null;
        for (int i = 0; i < 5000 && (told == null || told.get("stop").isNull()); i++) {
            told = worker(fleet.a(), "/api/workers/heartbeat", held).json();
        }
        assertThat(told.get("stop").get("job_id").asText()).as("told to stop it").isEqualTo(fleet.job());
        assertThat(told.get("stop").get("attempt").asInt()).isEqualTo(1);
        assertThat(told.get("run").isNull()).isTrue();
        assertError(worker(fleet.b(), "/api/workers/jobs/" + fleet.job() + "/status",
                "{\"attempt\": 1, \"status\": \"exited\", \"exit_code\": 143}"), 409, "conflict", "refused");

        Answer exited = worker(fleet.a(), "/api/workers/jobs/" + fleet.job() + "/status",
                "{\"attempt\": 1, \"status\": \"exited\", \"exit_code\": 143}");

        assertThat(exited.status()).as(exited.body()).isEqualTo(200);
        HttpResponse<String> cancelled = cancel.get(30, TimeUnit.SECONDS);
        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        assertThat(json.readTree(cancelled.body()).get("status").asText()).isEqualTo("cancelled");
        assertThat(job(fleet.job()).get("status").asText()).isEqualTo("cancelled");
        assertThat(workerView("w-a").get("status").asText()).isEqualTo("idle");
    }

    static Stream<Arguments> fractionalNumbers() {
        return Stream.of(
                Arguments.of("/api/workers/jobs/{job}/status", "{\"attempt\": 1.9, \"status\": \"running\"}", "attempt"),
                Arguments.of("/api/workers/jobs/{job}/status", "{\"attempt\": 1, \"status\": \"exited\", \"exit_code\": 1.5}",
                        "exit_code"),
                Arguments.of("/api/workers/jobs/{job}/log", "{\"attempt\": 1, \"offset\": 2.7, \"data\": \"aGk=\"}", "offset"),
                Arguments.of("/api/workers/poll", "{\"wait_seconds\": 0.5}", "wait_seconds"),
                Arguments.of("/api/workers/register", "{\"gpus\": [{\"index\": 0.5, \"name\": \"g\"}]}", "index"));
    }

    /**
     * A whole number sent with a fraction is refused, not truncated (Jackson's default would take
     * attempt 1.9 as 1, exit_code 1.5 as 1 and fail the job with exit code 1, a GPU index 0.5 as 0).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("fractionalNumbers")
    void aFractionWhereAWholeNumberBelongsIsRefusedNotTruncated(String path, String body, String field) {
        Fleet fleet = fleet();
        String before = state();

        assertError(worker(fleet.a(), path.replace("{job}", fleet.job()), body), 400, "bad_request", field);
        assertThat(state()).as("nothing changed").isEqualTo(before);
    }

    // ---- 6. answers --------------------------------------------------------------------------------

    @Test
    void registerAnswersTheWorkersIdLabelsDrainingTimeoutAndInstructions() {
        String token = createWorker("w-a", "{\"site\": \"lab\", \"pool\": \"gold\"}");

        Answer registered = worker(token, "/api/workers/register", "{\"labels\": {\"site\": \"home\", \"arch\": \"x86\"},"
                + " \"gpus\": [{\"index\": 0, \"name\": \"A100\", \"uuid\": \"GPU-1\", \"memory_total_mb\": 81920},"
                + " {\"index\": 3, \"name\": \"A100\"}]}");

        assertThat(registered.status()).as(registered.body()).isEqualTo(200);
        JsonNode body = registered.json();
        assertThat(body.get("worker_id").asText()).isEqualTo("w-a");
        assertThat(body.get("labels").get("site").asText()).as("the admin's label wins").isEqualTo("lab");
        assertThat(body.get("labels").get("arch").asText()).isEqualTo("x86");
        assertThat(body.get("labels").get("pool").asText()).isEqualTo("gold");
        assertThat(body.get("labels")).hasSize(3);
        assertThat(body.get("draining").asBoolean()).isFalse();
        assertThat(body.get("offline_after_seconds").asLong()).isEqualTo(120);
        assertThat(body.get("instructions").get("run").isNull()).isTrue();
        assertThat(body.get("instructions").get("stop").isNull()).isTrue();

        JsonNode seen = workerView("w-a");
        assertThat(seen.get("status").asText()).isEqualTo("idle");
        assertThat(seen.get("gpu_count").asInt()).isEqualTo(2);
        assertThat(seen.get("gpus").get(0).get("memory_total_mb").asLong()).isEqualTo(81920);
        assertThat(seen.get("gpus").get(1).get("index").asInt()).isEqualTo(3);
        assertThat(seen.get("reported_labels").get("site").asText()).isEqualTo("home");
        assertThat(seen.get("admin_labels").get("site").asText()).isEqualTo("lab");
        assertThat(seen.get("registered_at").isNull()).isFalse();
    }

    @Test
    void aDrainedWorkerLearnsItWhenItRegistersAndGetsNoJob() {
        String token = createWorker("w-a", null);
        assertThat(as("admin", "POST", "/api/admin/workers/w-a/drain", null).json().get("draining").asBoolean()).isTrue();

        JsonNode registered = worker(token, "/api/workers/register", ONE_GPU).json();

        assertThat(registered.get("draining").asBoolean()).isTrue();
        assertThat(workerView("w-a").get("status").asText()).isEqualTo("draining");
        String id = submitToWorkers();
        assertThat(job(id).get("status").asText()).isEqualTo("pending");
        assertThat(as("admin", "POST", "/api/admin/workers/w-a/undrain", null).json().get("draining").asBoolean()).isFalse();
    }

    @Test
    void aWorkerThatRestartsStillRunningAnAttemptItNoLongerHoldsIsToldToStopIt() {
        String token = createWorker("w-a", null);

        JsonNode registered = worker(token, "/api/workers/register",
                "{\"gpus\": [], \"running\": {\"job_id\": \"old\", \"attempt\": 3}}").json();

        assertThat(registered.get("instructions").get("run").isNull()).isTrue();
        assertThat(registered.get("instructions").get("stop").get("job_id").asText()).isEqualTo("old");
        assertThat(registered.get("instructions").get("stop").get("attempt").asInt()).isEqualTo(3);
    }

    @Test
    void heartbeatAndAnImmediatePollAnswerRunAndStop() {
        String token = onlineWorker("w-a");

        Answer beat = worker(token, "/api/workers/heartbeat", "{}");
        assertThat(beat.status()).as(beat.body()).isEqualTo(200);
        assertThat(beat.json().has("run")).isTrue();
        assertThat(beat.json().has("stop")).isTrue();
        assertThat(beat.json().get("run").isNull()).isTrue();
        assertThat(beat.json().get("stop").isNull()).isTrue();
        assertThat(worker(token, "/api/workers/heartbeat", "{\"running\": null}").status()).isEqualTo(200);

        long started = System.nanoTime();
        Answer poll = worker(token, "/api/workers/poll", "{\"wait_seconds\": 0}");
        long millis = (System.nanoTime() - started) / 1_000_000;

        assertThat(poll.status()).as(poll.body()).isEqualTo(200);
        assertThat(poll.json().has("run")).isTrue();
        assertThat(poll.json().has("stop")).isTrue();
        assertThat(poll.json().get("run").isNull()).isTrue();
        assertThat(poll.json().get("stop").isNull()).isTrue();
        assertThat(millis).as("answered at once").isLessThan(2000);
    }
}
