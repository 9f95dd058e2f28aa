package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.http.HandlerType;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A quiet stream gets a heartbeat comment (a handler with a short interval on its own path). */
class EventsHeartbeatTest extends ApiTestBase {
    @Override
    protected List<HttpApi.Route> extraRoutes() {
        return List.of(new HttpApi.Route(HandlerType.GET, "/test/events", new EventsHandler(h.service(),
                CallerResolver.singleUserAdmin(), ApiJson.mapper(), Duration.ofMillis(100))));
    }

    @Test
    void aQuietStreamGetsHeartbeatComments() throws Exception {
        try (SseStream.Open stream = new SseStream.Open(client, HttpRequest.newBuilder(URI.create(base + "/test/events?after=now"))
                .header("Accept", "text/event-stream").build())) {
            assertThat(stream.nextComment()).isEqualTo("heartbeat");
            assertThat(stream.nextComment()).isEqualTo("heartbeat");
        }
    }
}
