package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** depends_on and array at POST /api/queue/submit, GET /api/queue?array_id= and POST /api/arrays/{id}/cancel. */
class DependenciesAndArraysApiTest extends ApiTestBase {

    private JsonNode submit(String body) {
        Answer answer = post("/api/queue/submit", body);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json();
    }

    private void assertRefused(String body, String message) {
        long before = h.jobCount();
        Answer answer = post("/api/queue/submit", body);
        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
        assertThat(answer.json().get("detail").asText()).contains(message);
        assertThat(h.jobCount()).as("a refused submit stores nothing").isEqualTo(before);
    }

    @Test
    void aJobWithDependsOnWaitsNamingTheJobAndShowsItsDependencies() {
        String training = submit("{\"config_name\": \"train\"}").get("job_id").asText();

        JsonNode eval = submit("{\"config_name\": \"train\", \"depends_on\": [{\"job_id\": \"" + training + "\"}]}");

        assertThat(eval.get("status").asText()).isEqualTo("queued");
        assertThat(eval.get("queue_position").isNull()).isTrue();
        assertThat(eval.get("reason").asText()).isEqualTo("waiting for job " + training + " (running)");
        JsonNode job = get("/api/jobs/" + eval.get("job_id").asText()).json();
        assertThat(job.get("depends_on").get(0).get("job_id").asText()).isEqualTo(training);
        assertThat(job.get("depends_on").get(0).get("condition").asText()).isEqualTo("succeeded");
        assertThat(job.get("awaiting_dependencies").asBoolean()).isTrue();
        JsonNode entry = get("/api/queue?status=pending").json().get("entries").get(0);
        assertThat(entry.get("pending_reason").asText()).isEqualTo("waiting for job " + training + " (running)");
    }

    @Test
    void badDependenciesAre400sThatSayWhatToFix() {
        String training = submit("{\"config_name\": \"train\"}").get("job_id").asText();

        assertRefused("{\"config_name\": \"train\", \"depends_on\": [{\"job_id\": \"nope\"}]}",
                "depends_on: no job nope that you may see");
        assertRefused("{\"config_name\": \"train\", \"depends_on\": [{\"job_id\": \"" + training
                + "\", \"condition\": \"maybe\"}]}", "unknown dependency condition 'maybe'; use succeeded, finished or failed");
        assertRefused("{\"config_name\": \"train\", \"depends_on\": [{\"condition\": \"failed\"}]}",
                "every entry needs a job_id");
        assertRefused("{\"config_name\": \"train\", \"depends_on\": [null]}", "not null");
        assertRefused("{\"config_name\": \"train\", \"depends_on\": \"" + training + "\"}", "depends_on");
    }

    @Test
    void anArraySubmitAnswersWithEveryJobAndListsByArray() {
        h.settings(Map.of("max_concurrent", 1));

        JsonNode answer = submit("{\"config_name\": \"train\", \"array\": {\"values\": {\"lr\": [1e-4, 3e-4],"
                + " \"seed\": [1, 2, 3]}, \"max_running\": 2}}");

        JsonNode array = answer.get("array");
        String arrayId = array.get("array_id").asText();
        assertThat(arrayId).isEqualTo(answer.get("job_id").asText());
        assertThat(array.get("count").asInt()).isEqualTo(6);
        assertThat(array.get("started").asInt()).isEqualTo(1);
        assertThat(array.get("job_ids")).hasSize(6);

        JsonNode entries = get("/api/queue?array_id=" + arrayId).json().get("entries");
        List<Integer> indexes = new ArrayList<>();
        entries.forEach(e -> indexes.add(e.get("array_index").asInt()));
        assertThat(indexes).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(entries.get(0).get("status").asText()).isEqualTo("running");
        assertThat(entries.get(1).get("position").asInt()).isEqualTo(1);
        JsonNode fifth = get("/api/jobs/" + array.get("job_ids").get(4).asText()).json();
        assertThat(fifth.get("array_index").asInt()).isEqualTo(4);
        assertThat(fifth.get("array_parameters").toString()).isEqualTo("{\"lr\":\"0.0003\",\"seed\":\"2\"}");

        Answer cancelled = post("/api/arrays/" + arrayId + "/cancel");

        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("cancelled").asInt()).isEqualTo(6);
        assertThat(get("/api/queue?array_id=" + arrayId).json().get("entries"))
                .allSatisfy(e -> assertThat(e.get("status").asText()).isEqualTo("cancelled"));
    }

    @Test
    void badArraysAre400sAndAnUnknownArrayIs404() {
        assertRefused("{\"config_name\": \"train\", \"array\": {\"count\": 0}}", "array.count");
        assertRefused("{\"config_name\": \"train\", \"array\": {\"count\": 2, \"values\": {\"lr\": [1]}}}",
                "not both");
        assertRefused("{\"config_name\": \"train\", \"array\": {\"values\": {\"lr\": []}}}", "non-empty list");
        assertRefused("{\"config_name\": \"train\", \"array\": {\"values\": {\"bad name\": [1]}}}", "parameter name");
        assertRefused("{\"config_name\": \"train\", \"array\": {\"count\": 2, \"max_running\": 0}}", "array.max_running");
        assertRefused("{\"config_name\": \"train\", \"array\": {\"count\": 2, \"colour\": 1}}", "colour");
        assertRefused("{\"config_name\": \"train\", \"no_wait\": true, \"array\": {\"count\": 2}}", "no_wait");

        assertThat(post("/api/arrays/nosuch/cancel").status()).isEqualTo(404);
        assertThat(get("/api/queue?array_id=bad%20id").status()).isEqualTo(400);
    }
}
