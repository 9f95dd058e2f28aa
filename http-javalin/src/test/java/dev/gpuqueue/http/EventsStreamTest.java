package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code GET /api/events}: history then live, resume, filters, permissions, refusals as JSON. */
class EventsStreamTest extends AuthTestBase {
    protected final List<SseStream.Open> open = new ArrayList<>();

    @AfterEach
    void closeStreams() {
        open.forEach(SseStream.Open::close);
    }

    protected SseStream.Open stream(String role, String query, String lastEventId) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/api/events" + query))
                .header("Accept", "text/event-stream").GET();
        if (!role.equals("none")) {
            request.header("Authorization", "Bearer " + tokens.get(role));
        }
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        SseStream.Open stream = new SseStream.Open(client, request.build());
        open.add(stream);
        return stream;
    }

    protected String submit(String role) {
        return as(role, "POST", "/api/queue/submit", "{\"config_name\": \"train\"}").json().get("job_id").asText();
    }

    protected static Predicate<SseStream.Frame> submittedOf(String jobId) {
        return f -> f.type().equals("submitted") && f.data().get("job_id").asText().equals(jobId);
    }

    @Test
    void historyComesFirstThenLiveEventsEachWithItsIdTypeAndData() throws Exception {
        String first = submit("owner");
        SseStream.Open stream = stream("admin", "", null);
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.contentType()).startsWith("text/event-stream");

        List<SseStream.Frame> history = stream.framesUntil(submittedOf(first));
        SseStream.Frame submitted = history.get(history.size() - 1);
        assertThat(submitted.id()).isEqualTo(submitted.data().get("id").asLong()).isPositive();
        assertThat(submitted.data().get("user_id").asLong()).isEqualTo(ids.get("owner"));
        assertThat(submitted.data().get("to").asText()).isEqualTo("pending");

        String second = submit("other");
        List<SseStream.Frame> live = stream.framesUntil(submittedOf(second));
        assertThat(live).extracting(SseStream.Frame::id).isSorted().allMatch(id -> id > submitted.id());
    }

    @Test
    void afterOrLastEventIdResumesRightAfterThatEvent() throws Exception {
        String first = submit("owner");
        String second = submit("owner");
        long firstId = stream("admin", "", null).framesUntil(submittedOf(first)).stream()
                .filter(submittedOf(first)).findFirst().orElseThrow().id();

        List<SseStream.Frame> resumed = stream("admin", "?after=" + firstId, null).framesUntil(submittedOf(second));
        assertThat(resumed.get(0).id()).isGreaterThan(firstId);
        assertThat(resumed).noneMatch(submittedOf(first));

        List<SseStream.Frame> byHeader = stream("admin", "?after=0", String.valueOf(firstId)).framesUntil(submittedOf(second));
        assertThat(byHeader).as("Last-Event-ID wins over after").noneMatch(submittedOf(first));
    }

    @Test
    void aJobIdKeepsOneJobsEvents() throws Exception {
        String mine = submit("owner");
        String other = submit("owner");
        SseStream.Open stream = stream("owner", "?job_id=" + other, null);

        as("admin", "POST", "/api/queue/" + other + "/cancel", null);
        List<SseStream.Frame> frames = stream.framesUntil(f -> f.type().equals("cancelled"));
        assertThat(frames).allMatch(f -> f.data().get("job_id").asText().equals(other));
        assertThat(frames).noneMatch(submittedOf(mine));
    }

    @Test
    void researchersSeeTheirOwnJobsAndSettingsChangesOnly() throws Exception {
        SseStream.Open researcher = stream("owner", "", null);
        SseStream.Open lead = stream("lead", "", null);
        String theirs = submit("other");
        as("admin", "POST", "/api/queue/concurrency", "{\"max_concurrent\": 7}");
        String mine = submit("owner");

        List<SseStream.Frame> seen = researcher.framesUntil(submittedOf(mine));
        assertThat(seen).noneMatch(submittedOf(theirs));
        assertThat(seen).anyMatch(f -> f.type().equals("settings_changed"));
        assertThat(lead.framesUntil(submittedOf(mine))).anyMatch(submittedOf(theirs));
    }

    @Test
    void aResearcherIsToldOnlyThatSomethingChangedWhenOthersJobsMove() throws Exception {
        SseStream.Open researcher = stream("owner", "?after=now", null);
        submit("other");
        assertThat(researcher.nextComment()).isEqualTo("changed");
        String mine = submit("owner");
        assertThat(researcher.framesUntil(submittedOf(mine)))
                .allMatch(f -> f.data().get("user_id").asLong() == ids.get("owner"));
    }

    @Test
    void refusalsComeBeforeTheStreamAsJsonErrors() throws Exception {
        assertThat(stream("none", "", null).status()).isEqualTo(401);
        Answer plain = as("admin", "GET", "/api/events", null);
        assertThat(plain.status()).isEqualTo(406);
        assertThat(plain.json().get("error").asText()).isEqualTo("not_acceptable");
        assertThat(plain.json().get("detail").asText()).contains("Accept: text/event-stream");
        assertThat(as("admin", "GET", "/api/events?after=-1", null).json().get("detail").asText()).contains("after");
        assertThat(as("admin", "GET", "/api/events?after=x", null).status()).isEqualTo(400);
        assertThat(as("admin", "GET", "/api/events?after=999999", null).json().get("detail").asText())
                .startsWith("there is no event 999999 (the newest is ");
        assertThat(stream("admin", "?job_id=nope", null).status()).isEqualTo(404);
        String theirs = submit("other");
        assertThat(stream("owner", "?job_id=" + theirs, null).status()).isEqualTo(403);
    }
}
