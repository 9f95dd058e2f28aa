package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.port.JobLogs;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The logs endpoint (offset and tail) and how a busy store is answered. */
class LogsAndStoreErrorsTest extends ApiTestBase {
    private static final byte[] SHORT = "line 1\nline 2\nline 3\nline 4\n".getBytes(StandardCharsets.UTF_8);
    /** A log whose 1 MiB chunk limit cuts a two-byte character in half. */
    private static final byte[] CUT = cut();
    /** What the fake log store serves for every job. */
    private volatile byte[] served = SHORT;

    private static byte[] cut() {
        byte[] head = "a".repeat(JobHandlers.MAX_LOG_BYTES - 1).getBytes(StandardCharsets.UTF_8);
        byte[] tail = "é\nline 2 ü\n".getBytes(StandardCharsets.UTF_8);
        byte[] log = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, log, head.length, tail.length);
        return log;
    }

    @Override
    protected JobLogs logs() {
        return new JobLogs() {
            @Override
            public LogChunk read(JobId id, long offset, int maxBytes) {
                byte[] log = served;
                int from = (int) Math.min(offset, log.length);
                int to = Math.min(log.length, from + maxBytes);
                return new LogChunk(Arrays.copyOfRange(log, from, to), to, log.length);
            }

            @Override
            public long writeAttempt(JobId id, int attempt, long offset, byte[] data) {
                return offset + data.length;
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
    void logsAreServedByteForByteEvenWhereTheChunkLimitCutsACharacter() throws Exception {
        String id = post("/api/queue/submit", "{\"config_name\": \"train\"}").json().get("job_id").asText();
        served = CUT;

        HttpResponse<byte[]> first = bytes("/api/jobs/" + id + "/logs");
        long next = Long.parseLong(first.headers().firstValue("X-Log-Offset").orElseThrow());
        HttpResponse<byte[]> second = bytes("/api/jobs/" + id + "/logs?offset=" + next);

        assertThat(first.body()).hasSize(JobHandlers.MAX_LOG_BYTES);
        assertThat(next).isEqualTo(JobHandlers.MAX_LOG_BYTES);
        byte[] joined = Arrays.copyOf(first.body(), first.body().length + second.body().length);
        System.arraycopy(second.body(), 0, joined, first.body().length, second.body().length);
        assertThat(joined).isEqualTo(CUT);
        assertThat(new String(bytes("/api/jobs/" + id + "/logs?tail=1").body(), StandardCharsets.UTF_8)).isEqualTo("line 2 ü\n");
    }

    private HttpResponse<byte[]> bytes(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void lastLinesCountNewlineBytesAndDropAPartialFirstLine() {
        assertThat(lastLines("a\nb\nc", 2, false)).isEqualTo("b\nc");
        assertThat(lastLines("a\nb\nc\n", 1, false)).isEqualTo("c\n");
        assertThat(lastLines("", 3, false)).isEmpty();
        assertThat(lastLines("tial\nb\nc\n", 5, true)).as("the chunk began mid-line").isEqualTo("b\nc\n");
        assertThat(lastLines("end of a long line\n", 1, true)).isEqualTo("end of a long line\n");
        assertThat(lastLines("end of a long line", 1, true)).isEqualTo("end of a long line");
    }

    private static String lastLines(String text, int lines, boolean midFile) {
        return new String(JobHandlers.lastLines(text.getBytes(StandardCharsets.UTF_8), lines, midFile), StandardCharsets.UTF_8);
    }
}
