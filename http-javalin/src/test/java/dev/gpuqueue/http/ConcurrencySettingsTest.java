package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** POST /api/queue/concurrency: missing is unchanged, null clears where allowed, one bad field changes nothing. */
class ConcurrencySettingsTest extends ApiTestBase {

    @Test
    void aMissingFieldIsUnchangedAndNullResetsTheGpuCapToUnlimited() {
        post("/api/queue/concurrency", "{\"local_gpu_max_concurrent\": 6, \"max_concurrent\": 9}");

        JsonNode after = post("/api/queue/concurrency", "{\"local_gpu_max_concurrent\": null}").json();

        assertThat(after.get("local_gpu_max_concurrent").isNull()).isTrue();
        assertThat(after.get("max_concurrent").asInt()).isEqualTo(9);
        assertThat(get("/api/queue/concurrency").json()).isEqualTo(after);
        assertThat(h.service().settings().localGpuMaxConcurrent()).isNull();
    }

    @Test
    void oneBadFieldRejectsTheWholeBody() {
        JsonNode before = get("/api/queue/concurrency").json();

        Answer answer = post("/api/queue/concurrency",
                "{\"max_concurrent\": 20, \"user_max_concurrent\": 21, \"enable_fair_share\": true}");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().get("detail").asText()).isEqualTo("user_max_concurrent must be a whole number between 1 and 20 (got 21)");
        assertThat(get("/api/queue/concurrency").json()).isEqualTo(before);
    }

    @Test
    void aChangeAppliesAtOnce() {
        post("/api/queue/submit", "{\"config_name\": \"train\"}");
        String waiting = post("/api/queue/submit", "{\"config_name\": \"train\"}").json().get("job_id").asText();

        post("/api/queue/concurrency", "{\"local_job_max_concurrent\": 2}");

        assertThat(get("/api/jobs/" + waiting).json().get("status").asText()).isEqualTo("running");
    }
}
