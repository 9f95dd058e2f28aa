package dev.gpuqueue.http;

import static dev.gpuqueue.core.testing.QueueHarness.ALICE;
import static dev.gpuqueue.core.testing.QueueHarness.BOB;
import static dev.gpuqueue.core.testing.QueueHarness.CAROL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.GpuQueue;
import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.memory.InMemoryUserDirectory;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.port.HostStatus;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.service.SubmitRequest;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.core.testing.Await;
import dev.gpuqueue.core.testing.FakeGpuInventory;
import dev.gpuqueue.core.testing.QueueHarness;
import dev.gpuqueue.core.testing.RecordingRunner;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics}: job meters kept from events, pass durations, HTTP requests by route template,
 * access. A real server on 127.0.0.1 over the in-memory queue with 4 fake GPUs, in single-user mode
 * unless a test restarts it with users.
 */
class QueueMetricsTest extends ApiTestBase {
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** One sample line: name, optional labels, value. */
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)$");

    private QueueMetrics metrics;
    private final Map<String, String> tokens = new HashMap<>();

    @Override
    @BeforeEach
    void startServer() {
        start(false, false);
    }

    /** Starts the queue, the metrics and the server; {@code withUsers}: admin ada and researcher rita exist. */
    private void start(boolean withUsers, boolean metricsPublic) {
        h = new QueueHarness(new InMemoryJobStore());
        h.settings(Map.of("local_job_max_concurrent", 4));
        UserAdmin users = new UserAdmin(new InMemoryUserDirectory(), h.store, h.clock);
        if (withUsers) {
            tokens.put("admin", users.create(Caller.LOCAL_ADMIN, "ada", Level.ADMIN, null).token());
            tokens.put("researcher", users.create(Caller.LOCAL_ADMIN, "rita", Level.RESEARCHER, "alpha").token());
        }
        ApiDependencies deps = new ApiDependencies(h.service(), h.scheduler(), h.queue.workers(), h.gpus,
                HostStatus.unknown(), JobLogs.none(), users, new TokenAuth(users, true), h.clock);
        metrics = QueueMetrics.create(h.queue, h.gpus);
        metrics.start();
        app = HttpApi.create(deps, HttpOptions.loopback(), metrics.routes(deps, metricsPublic));
        app.start("127.0.0.1", 0);
        base = "http://127.0.0.1:" + app.port();
    }

    private void restart(boolean withUsers, boolean metricsPublic) {
        stopMetrics();
        app.stop();
        start(withUsers, metricsPublic);
    }

    @AfterEach
    void stopMetrics() {
        metrics.close();
    }

    /** GET /metrics as {@code role}: {@code none} (no credentials) or one of the users. */
    private Answer scrapeAs(String role) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/metrics")).GET();
        if (!role.equals("none")) {
            request.header("Authorization", "Bearer " + tokens.get(role));
        }
        return send(request);
    }

    /** Waits until the metrics applied every event committed so far. */
    private void awaitEvents() {
        long last = h.queue.events().lastId();
        Await.until("metrics to apply event " + last, WAIT, () -> metrics.lastEventId() >= last);
    }


    @Test
    void jobMetersFollowSubmitsStartsCompletionsFailuresCancelsAndRequeues() {
        JobId a1 = h.submit(ALICE, "train2").jobId();
        JobId b1 = h.submit(BOB, "train").jobId();
        JobId c1 = h.submit(CAROL, "train").jobId();
        JobId c2 = h.submit(CAROL, "big").jobId();
        JobId a2 = h.submit(ALICE, "train").jobId();
        assertThat(List.of(a1, b1, c1).stream().map(id -> h.job(id).status())).containsOnly(JobStatus.RUNNING);
        assertThat(h.job(c2).status()).isEqualTo(JobStatus.PENDING);
        h.service().cancel(ALICE, a2);
        awaitEvents();

        String scrape = get("/metrics").body();
        assertThat(value(scrape, "gpuqueue_jobs", "status", "running")).isEqualTo(3);
        assertThat(value(scrape, "gpuqueue_jobs", "status", "pending")).isEqualTo(1);
        assertThat(value(scrape, "gpuqueue_jobs", "status", "cancelled")).isEqualTo(1);
        assertThat(value(scrape, "gpuqueue_jobs", "status", "completed")).isZero();
        assertThat(value(scrape, "gpuqueue_queue_depth")).isEqualTo(1);
        assertThat(value(scrape, "gpuqueue_user_running_jobs", "user", "alice")).isEqualTo(1);
        assertThat(value(scrape, "gpuqueue_user_running_jobs", "user", "bob")).isEqualTo(1);
        assertThat(value(scrape, "gpuqueue_user_running_jobs", "user", "carol")).isEqualTo(1);
        assertThat(value(scrape, "gpuqueue_team_running_jobs", "team", "alpha")).isEqualTo(2);
        assertThat(value(scrape, "gpuqueue_team_running_jobs", "team", "beta")).isEqualTo(1);
        assertThat(value(scrape, "gpuqueue_gpus_allocated")).isEqualTo(4);
        assertThat(value(scrape, "gpuqueue_gpus_capacity")).isEqualTo(4);
        assertThat(value(scrape, "gpuqueue_jobs_submitted_total")).isEqualTo(5);
        assertThat(value(scrape, "gpuqueue_jobs_dispatched_total")).isEqualTo(3);
        assertThat(value(scrape, "gpuqueue_jobs_cancelled_total")).isEqualTo(1);

        h.runner.finish(b1, 0);
        h.runner.finish(c1, 1);
        h.runner.lose(a1, "the machine vanished");
        h.scheduler().runOnce();
        awaitEvents();

        scrape = get("/metrics").body();
        assertThat(value(scrape, "gpuqueue_jobs_completed_total")).isEqualTo(1);
        assertThat(value(scrape, "gpuqueue_jobs_failed_total", "event", "failed")).isEqualTo(1);
        assertThat(value(scrape, "gpuqueue_jobs_requeued_total", "event", "lost")).isEqualTo(1);
        assertThat(value(scrape, "gpuqueue_user_running_jobs", "user", "bob")).isZero();
        assertMatchesTheStore(scrape, h);
    }

    @Test
    void theCountsAtStartComeFromTheStoreAndTheCountersFromLaterEventsOnly() {
        h.submit(ALICE, "train2");
        JobId done = h.submit(BOB, "train").jobId();
        h.submit(QueueHarness.ADMIN, "train");
        h.submit(CAROL, "big");
        h.runner.finish(done, 0);
        try (QueueMetrics late = QueueMetrics.create(h.queue, h.gpus)) {
            late.start();
            String scrape = late.scrape();
            assertThat(value(scrape, "gpuqueue_jobs", "status", "completed")).isEqualTo(1);
            assertThat(value(scrape, "gpuqueue_jobs_submitted_total")).isZero();
            assertThat(value(scrape, "gpuqueue_metrics_resyncs_total", "reason", "start")).isEqualTo(1);
            assertMatchesTheStore(scrape, h);
            assertThat(value(scrape, "gpuqueue_user_running_jobs", "user", "alice")).isEqualTo(1);
            assertThat(value(scrape, "gpuqueue_team_running_jobs", "team", "")).as("jobs without a team").isEqualTo(1);
            assertThat(value(scrape, "gpuqueue_gpus_allocated")).isEqualTo(3);
        }
    }

    @Test
    void aCleanupThroughTheApiReReadsTheTerminalCounts() {
        JobId done = h.submit(ALICE, "train").jobId();
        h.runner.finish(done, 0);
        awaitEvents();
        assertThat(value(get("/metrics").body(), "gpuqueue_jobs", "status", "completed")).isEqualTo(1);

        h.clock.advance(Duration.ofDays(31));
        assertThat(post("/api/queue/cleanup?days=30").status()).isEqualTo(200);

        awaitValue("completed jobs after the cleanup", () -> value(get("/metrics").body(), "gpuqueue_jobs", "status",
                "completed"), 0);
        assertThat(value(get("/metrics").body(), "gpuqueue_metrics_resyncs_total", "reason", "cleanup")).isEqualTo(1);
    }

    @Test
    void passDurationsAreAHistogram() {
        h.scheduler().runOnce();
        h.scheduler().runOnce();

        String scrape = get("/metrics").body();
        assertThat(value(scrape, "gpuqueue_scheduler_pass_duration_seconds_count")).isGreaterThanOrEqualTo(2);
        assertThat(value(scrape, "gpuqueue_scheduler_pass_duration_seconds_bucket", "le", "+Inf"))
                .isGreaterThanOrEqualTo(2);
        assertThat(scrape).contains("gpuqueue_scheduler_pass_duration_seconds_bucket{le=\"0.001\"}",
                "gpuqueue_scheduler_pass_duration_seconds_bucket{le=\"10.0\"}",
                "# TYPE gpuqueue_scheduler_pass_duration_seconds histogram");
    }

    @Test
    void requestsAreCountedByRouteTemplateAndStatusNeverByRawPath() {
        JobId id = h.submit(ALICE, "train").jobId();
        assertThat(get("/api/jobs/" + id).status()).isEqualTo(200);
        assertThat(get("/api/jobs/no-such-job").status()).isEqualTo(404);
        assertThat(get("/api/jobs/no-such-job").status()).isEqualTo(404);
        assertThat(get("/no/such/route").status()).isEqualTo(404);
        Answer refused = send(HttpRequest.newBuilder(URI.create(base + "/api/queue/submit"))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("hi")));
        assertThat(refused.status()).as("refused by the guard, before routing").isEqualTo(415);

        awaitValue("the second 404", () -> value(get("/metrics").body(), "gpuqueue_http_requests_seconds_count",
                "method", "GET", "route", "/api/jobs/{job_id}", "status", "404"), 2);
        String scrape = get("/metrics").body();
        assertThat(value(scrape, "gpuqueue_http_requests_seconds_count", "method", "GET", "route", "/api/jobs/{job_id}",
                "status", "200")).isEqualTo(1);
        assertThat(value(scrape, "gpuqueue_http_requests_seconds_count", "method", "GET", "route",
                QueueMetrics.UNMATCHED, "status", "404")).isEqualTo(1);
        assertThat(value(scrape, "gpuqueue_http_requests_seconds_count", "method", "POST", "route",
                QueueMetrics.UNMATCHED, "status", "415")).isEqualTo(1);
        assertThat(value(scrape, "gpuqueue_http_requests_seconds_count", "method", "GET", "route", "/metrics",
                "status", "200")).isGreaterThanOrEqualTo(1);
        assertThat(scrape).contains("gpuqueue_http_requests_seconds_bucket{")
                .doesNotContain(id.value()).doesNotContain("no-such-job").doesNotContain("/no/such/route");
    }

    @Test
    void workersAndTheFormatAreReportedAndTheEndpointIsOpenWithoutUsers() {
        assertThat(post("/api/admin/workers", "{\"name\": \"box-1\"}").status()).isEqualTo(201);

        Answer answer = scrapeAs("none");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.raw().headers().firstValue("Content-Type")).get().asString()
                .contains("text/plain").contains("version=0.0.4");
        assertThat(value(answer.body(), "gpuqueue_workers", "status", "connecting")).isEqualTo(1);
        assertThat(value(answer.body(), "gpuqueue_workers", "status", "idle")).isZero();
        assertThat(answer.body()).contains("# TYPE gpuqueue_jobs gauge", "# TYPE gpuqueue_jobs_submitted_total counter");
    }

    @Test
    void withUsersOnlyAnAdminMayScrape() {
        restart(true, false);
        assertThat(scrapeAs("none").status()).isEqualTo(401);
        Answer researcher = scrapeAs("researcher");
        assertThat(researcher.status()).isEqualTo(403);
        assertThat(researcher.json().get("error").asText()).isEqualTo("forbidden");
        Answer admin = scrapeAs("admin");
        assertThat(admin.status()).isEqualTo(200);
        assertThat(admin.body()).contains("gpuqueue_jobs{status=\"pending\"}");
        awaitValue("the refused scrapes", () -> value(scrapeAs("admin").body(), "gpuqueue_http_requests_seconds_count",
                "method", "GET", "route", "/metrics", "status", "403"), 1);
        assertThat(value(scrapeAs("admin").body(), "gpuqueue_http_requests_seconds_count", "method", "GET", "route",
                "/metrics", "status", "401")).isEqualTo(1);
    }

    @Test
    void withMetricsPublicAnyoneMayScrape() {
        restart(true, true);
        assertThat(scrapeAs("none").status()).isEqualTo(200);
        assertThat(scrapeAs("researcher").status()).isEqualTo(200);
        assertThat(scrapeAs("admin").status()).isEqualTo(200);
    }

    @Test
    void aLaggedSubscriptionReReadsTheCountsAndStillCountsEveryEvent() {
        RecordingRunner runner = new RecordingRunner();
        FakeGpuInventory gpus = FakeGpuInventory.withGpus(2);
        // A buffer of one event: a submit that starts at once commits two (submitted, dispatched) and lags.
        try (GpuQueue queue = GpuQueue.builder().gpus(gpus).runner(runner).eventBuffer(1).build();
                QueueMetrics metrics = QueueMetrics.create(queue, gpus)) {
            metrics.start();
            JobSpec spec = JobSpec.builder().command(List.of("true")).build();
            for (int i = 0; i < 20; i++) {
                queue.service().submit(ALICE, SubmitRequest.builder("inline").spec(spec).build());
            }
            for (Job job : queue.store().read(r -> r.withStatus(JobStatus.RUNNING))) {
                runner.finish(job.id(), 0);
            }
            long last = queue.events().lastId();
            Await.until("metrics to apply event " + last, WAIT, () -> metrics.lastEventId() >= last);

            String scrape = metrics.scrape();
            assertThat(value(scrape, "gpuqueue_metrics_resyncs_total", "reason", "lagged")).isGreaterThanOrEqualTo(1);
            assertThat(value(scrape, "gpuqueue_jobs_submitted_total")).isEqualTo(20);
            Map<JobStatus, Long> truth = queue.store().read(r -> r.countByStatus());
            for (JobStatus status : JobStatus.values()) {
                assertThat(value(scrape, "gpuqueue_jobs", "status", status.wireName())).as(status.wireName())
                        .isEqualTo(truth.get(status).doubleValue());
            }
            assertThat(value(scrape, "gpuqueue_jobs_completed_total")).isEqualTo(truth.get(JobStatus.COMPLETED).doubleValue());
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** Compares the job gauges of {@code scrape} with the store's own counts. */
    private static void assertMatchesTheStore(String scrape, QueueHarness h) {
        Map<JobStatus, Long> truth = h.read(r -> r.countByStatus());
        for (JobStatus status : JobStatus.values()) {
            assertThat(value(scrape, "gpuqueue_jobs", "status", status.wireName())).as(status.wireName())
                    .isEqualTo(truth.get(status).doubleValue());
        }
        assertThat(value(scrape, "gpuqueue_queue_depth")).isEqualTo(truth.get(JobStatus.PENDING).doubleValue());
        List<Job> running = h.running();
        Map<String, Long> byUser = new HashMap<>();
        Map<String, Long> byTeam = new HashMap<>();
        long gpus = 0;
        for (Job job : running) {
            byUser.merge(job.submitter().userName(), 1L, Long::sum);
            byTeam.merge(job.teamId() == null ? "" : job.teamId(), 1L, Long::sum);
            gpus += job.allocatedGpus().size();
        }
        byUser.forEach((user, n) -> assertThat(value(scrape, "gpuqueue_user_running_jobs", "user", user)).as(user)
                .isEqualTo(n.doubleValue()));
        byTeam.forEach((team, n) -> assertThat(value(scrape, "gpuqueue_team_running_jobs", "team", team)).as(team)
                .isEqualTo(n.doubleValue()));
        assertThat(sum(scrape, "gpuqueue_user_running_jobs")).isEqualTo(running.size());
        assertThat(sum(scrape, "gpuqueue_team_running_jobs")).isEqualTo(running.size());
        assertThat(value(scrape, "gpuqueue_gpus_allocated")).isEqualTo(gpus);
    }

    private static void awaitValue(String what, DoubleSupplier value, double expected) {
        Await.until(what, WAIT, () -> value.getAsDouble() == expected);
    }

    /** The value of the one sample named {@code name} that carries every label pair given; -1 when none does. */
    static double value(String scrape, String name, String... labels) {
        Double found = null;
        for (String line : scrape.split("\n")) {
            Matcher m = SAMPLE.matcher(line.strip());
            if (!m.matches() || !m.group(1).equals(name)) {
                continue;
            }
            Map<String, String> actual = labels(m.group(3));
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) {
                all &= labels[i + 1].equals(actual.get(labels[i]));
            }
            if (all) {
                if (found != null) {
                    throw new AssertionError("more than one " + name + " sample with " + List.of(labels));
                }
                found = Double.parseDouble(m.group(4));
            }
        }
        return found == null ? -1 : found;
    }

    /** The sum of every sample named {@code name}. */
    static double sum(String scrape, String name) {
        double sum = 0;
        for (String line : scrape.split("\n")) {
            Matcher m = SAMPLE.matcher(line.strip());
            if (m.matches() && m.group(1).equals(name)) {
                sum += Double.parseDouble(m.group(4));
            }
        }
        return sum;
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new HashMap<>();
        if (text == null) {
            return labels;
        }
        Matcher m = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(text);
        while (m.find()) {
            labels.put(m.group(1), m.group(2));
        }
        return labels;
    }
}
