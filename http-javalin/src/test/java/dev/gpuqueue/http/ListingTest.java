package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.service.SubmitRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Orders, filters and pages of GET /api/queue and GET /api/jobs. */
class ListingTest extends ApiTestBase {
    private static final Caller RESEARCHER = new Caller(7, "rita", Level.RESEARCHER, null);
    private static final Caller ADMIN = new Caller(8, "ada", Level.ADMIN, null);
    private String running;
    private String researcherWaiting;
    private String adminWaiting;
    private String blockedOld;
    private String blockedNew;
    private String cancelled;
    private String completed;

    @BeforeEach
    void queue() {
        running = submit(RESEARCHER, SubmitRequest.builder("train"));
        h.clock.advance(Duration.ofSeconds(1));
        blockedOld = submit(RESEARCHER, SubmitRequest.builder("train").requiresApproval(true));
        researcherWaiting = submit(RESEARCHER, SubmitRequest.builder("train"));
        h.clock.advance(Duration.ofSeconds(1));
        adminWaiting = submit(ADMIN, SubmitRequest.builder("train"));
        blockedNew = submit(ADMIN, SubmitRequest.builder("train").requiresApproval(true));
        cancelled = submit(ADMIN, SubmitRequest.builder("train"));
        h.service().cancel(ADMIN, JobId.of(cancelled));
        h.clock.advance(Duration.ofSeconds(1));
        completed = submit(ADMIN, SubmitRequest.builder("once").provider("replicate"));
        h.cloud.report(JobId.of(completed), AttemptOutcome.succeeded());
    }

    private String submit(Caller caller, SubmitRequest.Builder request) {
        return h.submit(caller, request).jobId().value();
    }

    private static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.forEach(e -> ids.add(e.get("job_id").asText()));
        return ids;
    }

    @Test
    void meIsOnePageWhileItsCountsAreTotals() {
        for (int i = 0; i < 5; i++) {
            h.clock.advance(Duration.ofSeconds(1));
            post("/api/queue/submit", "{\"config_name\": \"train\"}");
        }
        JsonNode first = get("/api/queue/me?limit=2").json();
        JsonNode second = get("/api/queue/me?limit=2&offset=2").json();
        JsonNode third = get("/api/queue/me?limit=2&offset=4").json();
        JsonNode all = get("/api/queue/me").json();

        assertThat(all.get("pending_count").asInt()).isEqualTo(5);
        assertThat(first.get("pending_jobs")).hasSize(2);
        assertThat(third.get("pending_jobs")).hasSize(1);
        for (JsonNode page : List.of(first, second, third)) {
            assertThat(page.get("pending_count").asInt()).isEqualTo(5);
            assertThat(page.get("best_position")).isEqualTo(all.get("best_position"));
        }
        List<String> paged = new ArrayList<>(ids(first.get("pending_jobs")));
        paged.addAll(ids(second.get("pending_jobs")));
        paged.addAll(ids(third.get("pending_jobs")));
        assertThat(paged).isEqualTo(ids(all.get("pending_jobs")));
    }

    @Test
    void aSubmitPastUserMaxPendingIs409AndStoresNothing() {
        post("/api/queue/concurrency", "{\"user_max_pending\": 1}");
        assertThat(post("/api/queue/submit", "{\"config_name\": \"train\"}").status()).isEqualTo(200);
        long before = h.jobCount();

        Answer refused = post("/api/queue/submit", "{\"config_name\": \"train\"}");

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("detail").asText()).contains("the user_max_pending limit of 1");
        assertThat(h.jobCount()).isEqualTo(before);
    }

    @Test
    void theDefaultListIsPendingInDispatchOrderThenBlockedOldestFirstThenRunning() {
        JsonNode page = get("/api/queue").json();

        assertThat(ids(page.get("entries"))).containsExactly(adminWaiting, researcherWaiting, blockedOld, blockedNew, running);
        assertThat(page.get("entries").get(0).get("position").asInt()).isEqualTo(1);
        assertThat(page.get("entries").get(2).get("pending_reason").asText()).isEqualTo("awaiting approval");
        assertThat(page.get("total_pending").asInt()).isEqualTo(2);
        assertThat(page.get("total_running").asInt()).isEqualTo(1);
    }

    @Test
    void includeCompletedAppendsTerminalJobsMostRecentlyCompletedFirst() {
        assertThat(ids(get("/api/queue?include_completed=true").json().get("entries")))
                .containsExactly(adminWaiting, researcherWaiting, blockedOld, blockedNew, running, completed, cancelled);
    }

    @Test
    void eachStatusFiltersAndQueuedIsAnAliasOfPending() {
        assertThat(ids(get("/api/queue?status=pending").json().get("entries"))).containsExactly(adminWaiting, researcherWaiting);
        assertThat(ids(get("/api/queue?status=queued").json().get("entries"))).containsExactly(adminWaiting, researcherWaiting);
        assertThat(ids(get("/api/queue?status=blocked").json().get("entries"))).containsExactly(blockedOld, blockedNew);
        assertThat(ids(get("/api/queue?status=running").json().get("entries"))).containsExactly(running);
        assertThat(ids(get("/api/queue?status=cancelled").json().get("entries"))).containsExactly(cancelled);
        assertThat(ids(get("/api/queue?status=completed").json().get("entries"))).containsExactly(completed);
        assertThat(ids(get("/api/queue?status=failed").json().get("entries"))).isEmpty();
    }

    @Test
    void limitAndOffsetPageOverTheWholeList() {
        assertThat(ids(get("/api/queue?limit=2").json().get("entries"))).containsExactly(adminWaiting, researcherWaiting);
        assertThat(ids(get("/api/queue?limit=2&offset=2").json().get("entries"))).containsExactly(blockedOld, blockedNew);
        assertThat(ids(get("/api/queue?include_completed=true&limit=3&offset=4").json().get("entries")))
                .containsExactly(running, completed, cancelled);
        assertThat(ids(get("/api/queue?offset=50").json().get("entries"))).isEmpty();
    }

    @Test
    void jobsListEveryStatusNewestFirstWithFiltersAndATotal() {
        JsonNode all = get("/api/jobs").json();
        assertThat(ids(all.get("jobs"))).containsExactly(completed, cancelled, blockedNew, adminWaiting, researcherWaiting,
                blockedOld, running);
        assertThat(all.get("total").asInt()).isEqualTo(7);

        assertThat(ids(get("/api/jobs?status=queued").json().get("jobs"))).containsExactly(adminWaiting, researcherWaiting);
        JsonNode mine = get("/api/jobs?user=7&limit=2").json();
        assertThat(ids(mine.get("jobs"))).containsExactly(researcherWaiting, blockedOld);
        assertThat(mine.get("total").asInt()).isEqualTo(3);
        assertThat(ids(get("/api/jobs?user=7&limit=2&offset=2").json().get("jobs"))).containsExactly(running);
    }
}
