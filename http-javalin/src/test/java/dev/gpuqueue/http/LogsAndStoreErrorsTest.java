package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.port.JobLogs;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The logs endpoint (offset and tail) and how a busy store is answered. */
class LogsAndStoreErrorsTest extends ApiTestBase {
    private static final byte[] LOG = "line 1\nline 2\nline 3\nline 4\n".getBytes(StandardCharsets.UTF_8);

    @Override
    protected JobLogs logs() {
        return new JobLogs() {
            @Override
            public LogChunk read(JobId id, long offset, int maxBytes) {
                int from = (int) Math.min(offset, LOG.length);
                int to = Math.min(LOG.length, from + maxBytes);
                return new LogChunk(Arrays.copyOfRange(LOG, from, to), to, LOG.length);
            }

            @Override
            public void delete(JobId id) {}
        };
    }

    @Test
    void logsAreTextFromAnOffsetWithTheNextOffsetForFollowing() {
        String id = post("/api/queue/submit", "{\"config_name\": \"train\"}").json().get("job_id").asText();

        Answer all = get("/api/jobs/" + id + "/logs");
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.raw().headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        assertThat(all.body()).isEqualTo("line 1\nline 2\nline 3\nline 4\n");
        assertThat(all.raw().headers().firstValue("X-Log-Offset")).hasValue("28");

        Answer rest = get("/api/jobs/" + id + "/logs?offset=14");
        assertThat(rest.body()).isEqualTo("line 3\nline 4\n");
        assertThat(get("/api/jobs/" + id + "/logs?offset=28").body()).isEmpty();

        Answer tail = get("/api/jobs/" + id + "/logs?tail=2");
        assertThat(tail.body()).isEqualTo("line 3\nline 4\n");
        assertThat(get("/api/jobs/" + id + "/logs?tail=10").body()).isEqualTo("line 1\nline 2\nline 3\nline 4\n");
    }

    @Test
    void lastLinesHandlesTextWithoutATrailingNewline() {
        assertThat(JobHandlers.lastLines("a\nb\nc", 2)).isEqualTo("b\nc");
        assertThat(JobHandlers.lastLines("a\nb\nc\n", 1)).isEqualTo("c\n");
        assertThat(JobHandlers.lastLines("", 3)).isEmpty();
    }
}
