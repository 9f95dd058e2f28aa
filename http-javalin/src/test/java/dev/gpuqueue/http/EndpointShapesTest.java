package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each endpoint's success answer, field by field, including the seed's examples. */
class EndpointShapesTest extends ApiTestBase {

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void submitAnswersRunningThenQueuedWithAPositionThenRejectedWithNoWait() {
        Answer running = post("/api/queue/submit", "{\"config_name\": \"train\", \"no_wait\": false, \"any_gpu\": false}");
        assertThat(running.status()).isEqualTo(200);
        assertThat(fields(running.json())).containsExactly("success", "job_id", "status", "allocated_gpus",
                "allocated_worker_id", "queue_position", "requires_approval", "reason", "array");
        assertThat(running.json().get("success").asBoolean()).isTrue();
        assertThat(running.json().get("status").asText()).isEqualTo("running");
        assertThat(running.json().get("allocated_gpus").toString()).isEqualTo("[0]");
        assertThat(running.json().get("queue_position").isNull()).isTrue();

        Answer queued = post("/api/queue/submit", "{\"config_name\": \"train\"}");
        assertThat(queued.json().get("status").asText()).isEqualTo("queued");
        assertThat(queued.json().get("queue_position").asInt()).isEqualTo(1);
        assertThat(queued.json().get("reason").asText()).isEqualTo("local job limit 1/1");

        Answer rejected = post("/api/queue/submit", "{\"config_name\": \"train\", \"no_wait\": true}");
        assertThat(rejected.status()).isEqualTo(200);
        assertThat(rejected.json().get("success").asBoolean()).isFalse();
        assertThat(rejected.json().get("status").asText()).isEqualTo("rejected");
        assertThat(rejected.json().get("job_id").isNull()).isTrue();
        assertThat(h.jobCount()).isEqualTo(2);

        Answer dryRun = post("/api/queue/submit", "{\"config_name\": \"train\", \"dry_run\": true}");
        assertThat(dryRun.json().get("status").asText()).isEqualTo("queued");
        assertThat(dryRun.json().get("job_id").isNull()).isTrue();
        assertThat(h.jobCount()).isEqualTo(2);
    }

    @Test
    void statsCarryTheSeedsFieldsAndTheLocalGpuPicture() {
        post("/api/queue/submit", "{\"config_name\": \"train2\"}");
        post("/api/queue/submit", "{\"config_name\": \"train\"}");

        JsonNode stats = get("/api/queue/stats").json();

        assertThat(fields(stats)).containsExactly("queue_depth", "running", "max_concurrent", "user_max_concurrent",
                "team_max_concurrent", "enable_fair_share", "avg_wait_seconds", "by_status", "by_user",
                "local_gpu_max_concurrent", "local_job_max_concurrent", "local", "workers");
        assertThat(stats.get("queue_depth").asInt()).isEqualTo(1);
        assertThat(stats.get("running").asInt()).isEqualTo(1);
        assertThat(stats.get("max_concurrent").asInt()).isEqualTo(5);
        assertThat(stats.get("by_status").get("pending").asInt()).isEqualTo(1);
        assertThat(stats.get("by_user").get("0").asInt()).isEqualTo(2);
        JsonNode local = stats.get("local");
        assertThat(fields(local)).containsExactly("running_jobs", "pending_jobs", "allocated_gpus", "available_gpus",
                "total_gpus", "max_concurrent_gpus", "max_concurrent_jobs");
        assertThat(local.get("allocated_gpus").toString()).isEqualTo("[0,1]");
        assertThat(local.get("available_gpus").toString()).isEqualTo("[2,3]");
        assertThat(local.get("total_gpus").asInt()).isEqualTo(4);
        assertThat(local.get("max_concurrent_gpus").isNull()).isTrue();
        assertThat(local.get("max_concurrent_jobs").asInt()).isEqualTo(1);
    }

    @Test
    void theSeedsConcurrencyExamplesWork() {
        Answer updated = post("/api/queue/concurrency", "{\"max_concurrent\": 10, \"user_max_concurrent\": 3}");
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.json().get("max_concurrent").asInt()).isEqualTo(10);
        assertThat(updated.json().get("user_max_concurrent").asInt()).isEqualTo(3);
        assertThat(updated.json().get("team_max_concurrent").asInt()).isEqualTo(10);

        Answer local = post("/api/queue/concurrency", "{\"local_gpu_max_concurrent\": 6, \"local_job_max_concurrent\": 2}");
        assertThat(local.json().get("local_gpu_max_concurrent").asInt()).isEqualTo(6);
        Answer fairShare = post("/api/queue/concurrency",
                "{\"max_concurrent\": 10, \"user_max_concurrent\": 3, \"team_max_concurrent\": 5, \"enable_fair_share\": true}");
        assertThat(fairShare.json().get("enable_fair_share").asBoolean()).isTrue();

        JsonNode read = get("/api/queue/concurrency").json();
        assertThat(fields(read)).containsExactly("max_concurrent", "user_max_concurrent", "team_max_concurrent",
                "enable_fair_share", "local_job_max_concurrent", "local_gpu_max_concurrent",
                "starvation_threshold_minutes", "starvation_boost", "starvation_max_boost", "approval_cost_threshold",
                "user_max_pending", "enable_backfill");
        assertThat(read.get("local_job_max_concurrent").asInt()).isEqualTo(2);
        assertThat(read.get("team_max_concurrent").asInt()).isEqualTo(5);
    }

    @Test
    void cleanupProcessApproveRejectAndPriorityAnswerTheirShapes() {
        String done = post("/api/queue/submit", "{\"config_name\": \"train\"}").json().get("job_id").asText();
        post("/api/jobs/" + done + "/cancel");
        h.clock.advance(Duration.ofDays(8));
        Answer cleanup = post("/api/queue/cleanup?days=7");
        assertThat(cleanup.json().toString()).isEqualTo("{\"success\":true,\"deleted\":1,\"days\":7}");

        String blocked = post("/api/queue/submit", "{\"config_name\": \"train\", \"requires_approval\": true}")
                .json().get("job_id").asText();
        String other = post("/api/queue/submit", "{\"config_name\": \"train\", \"requires_approval\": true}")
                .json().get("job_id").asText();
        Answer priority = post("/api/queue/" + blocked + "/priority", "{\"priority\": 45}");
        assertThat(priority.json().toString()).isEqualTo("{\"success\":true,\"job_id\":\"" + blocked
                + "\",\"previous_effective_priority\":30,\"new_effective_priority\":45,\"priority_override\":45}");
        Answer approved = post("/api/queue/" + blocked + "/approve");
        assertThat(approved.json().toString()).isEqualTo("{\"success\":true,\"job_id\":\"" + blocked
                + "\",\"status\":\"running\",\"approved_by\":\"local\"}");
        Answer rejected = post("/api/queue/" + other + "/reject?reason=too%20costly");
        assertThat(rejected.json().toString()).isEqualTo("{\"success\":true,\"job_id\":\"" + other
                + "\",\"status\":\"failed\",\"rejected_by\":\"local\",\"reason\":\"too costly\"}");
        assertThat(post("/api/queue/process").json().toString()).isEqualTo("{\"success\":true,\"dispatched\":0,\"job_ids\":[]}");
    }

    @Test
    void meAndPositionShowTheCallersPlace() {
        post("/api/queue/submit", "{\"config_name\": \"train\"}");
        String waiting = post("/api/queue/submit", "{\"config_name\": \"train\"}").json().get("job_id").asText();

        JsonNode me = get("/api/queue/me").json();
        assertThat(fields(me)).containsExactly("pending_count", "running_count", "blocked_count", "best_position",
                "pending_jobs", "running_jobs");
        assertThat(me.get("pending_count").asInt()).isEqualTo(1);
        assertThat(me.get("running_count").asInt()).isEqualTo(1);
        assertThat(me.get("best_position").asInt()).isEqualTo(1);

        JsonNode position = get("/api/queue/position/" + waiting).json();
        assertThat(fields(position)).containsExactly("job_id", "status", "position", "effective_priority",
                "pending_reason", "queued_at", "estimated_wait_seconds");
        assertThat(position.get("position").asInt()).isEqualTo(1);
        assertThat(position.get("pending_reason").asText()).isEqualTo("local job limit 1/1");
        assertThat(position.get("queued_at").asText()).isEqualTo("2026-01-05T09:00:00Z");
        assertThat(position.get("estimated_wait_seconds").isNull()).isTrue();
    }

    @Test
    void queueEntriesAndJobsCarryEveryDocumentedField() {
        String id = post("/api/queue/submit", "{\"config_name\": \"train\"}").json().get("job_id").asText();

        JsonNode entry = get("/api/queue").json().get("entries").get(0);
        assertThat(fields(entry)).containsExactly("job_id", "user_id", "user_name", "team_id", "config_name", "status",
                "priority", "priority_override", "effective_priority", "position", "pending_reason", "queued_at",
                "started_at", "completed_at", "estimated_cost", "requires_approval", "attempt", "max_attempts",
                "num_processes", "allocated_gpus", "error_message", "depends_on", "array_id", "array_index");

        JsonNode job = get("/api/jobs/" + id).json();
        assertThat(job.get("metadata").get("run_name").asText()).isEqualTo("quick-run");
        assertThat(job.get("pid").asLong()).isPositive();
        assertThat(job.get("config").get("command").toString()).isEqualTo("[\"python\",\"train.py\"]");
        assertThat(job.get("job_type").asText()).isEqualTo("local");
        assertThat(job.has("exit_code")).isTrue();

        JsonNode events = get("/api/jobs/" + id + "/events").json();
        JsonNode submitted = events.get("events").get(0);
        assertThat(fields(submitted)).containsExactly("id", "type", "at", "actor", "job_id", "user_id", "from", "to",
                "detail");
        assertThat(submitted.get("type").asText()).isEqualTo("submitted");
        assertThat(submitted.get("job_id").asText()).isEqualTo(id);
        assertThat(submitted.get("from").isNull()).isTrue();
        assertThat(events.get("events").get(1).get("to").asText()).isEqualTo("running");
        List<Long> ids = new ArrayList<>();
        events.get("events").forEach(e -> ids.add(e.get("id").asLong()));
        assertThat(ids).as("store-wide ids, increasing").isSorted().doesNotHaveDuplicates().allMatch(n -> n > 0);
    }

    @Test
    void cancellingARunningJobFromTheQueueSaysHowToStopIt() {
        String id = post("/api/queue/submit", "{\"config_name\": \"train\"}").json().get("job_id").asText();

        Answer refused = post("/api/queue/" + id + "/cancel");

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("detail").asText()).isEqualTo("job " + id + " is running; only pending or blocked"
                + " jobs are cancelled from the queue; stop it with POST /api/jobs/" + id + "/cancel");
    }

    @Test
    void systemStatusAndHealthAnswerTheSeedsShape() {
        post("/api/queue/submit", "{\"config_name\": \"train2\"}");

        JsonNode status = get("/api/system/status?include_allocation=true").json();
        assertThat(fields(status)).containsExactly("timestamp", "load_avg_5min", "memory_percent", "gpus",
                "gpu_inventory", "gpu_allocation", "workers");
        assertThat(status.get("timestamp").asDouble()).isEqualTo(h.clock.instant().getEpochSecond());
        assertThat(status.get("load_avg_5min").asDouble()).isEqualTo(1.5);
        assertThat(status.get("gpu_inventory").toString()).isEqualTo("{\"backend\":\"fake\",\"count\":4}");
        JsonNode allocation = status.get("gpu_allocation");
        assertThat(allocation.get("allocated_gpus").toString()).isEqualTo("[0,1]");
        assertThat(allocation.get("available_gpus").toString()).isEqualTo("[2,3]");
        assertThat(allocation.get("running_local_jobs").asInt()).isEqualTo(1);
        assertThat(allocation.get("devices").get(0).get("allocated").asBoolean()).isTrue();
        assertThat(allocation.get("devices").get(3).get("job_id").isNull()).isTrue();
        assertThat(get("/api/system/status").json().get("gpu_allocation").isNull()).isTrue();

        Answer health = get("/api/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().toString()).isEqualTo("{\"status\":\"ok\",\"database\":\"ok\",\"scheduler\":\"stopped\",\"problems\":[]}");
    }
}
