package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.error.ValidationException;
import io.javalin.http.HandlerType;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Routes from other modules join the API without editing its table, behind the same guard and error mapping. */
class ExtraRoutesTest extends ApiTestBase {

    @Override
    protected List<HttpApi.Route> extraRoutes() {
        return List.of(
                new HttpApi.Route(HandlerType.GET, "/api/hello", ctx -> ctx.json(Map.of("hello", "world"))),
                new HttpApi.Route(HandlerType.POST, "/api/hello", ctx -> {
                    throw new ValidationException("say it in words");
                }));
    }

    @Test
    void anAddedRouteAnswersAlongsideTheApisOwn() {
        assertThat(get("/api/hello").json().get("hello").asText()).isEqualTo("world");
        assertThat(get("/api/queue/stats").status()).isEqualTo(200);
    }

    @Test
    void anAddedRoutePassesTheGuardAndTheErrorMapping() {
        Answer plain = send(HttpRequest.newBuilder(URI.create(base + "/api/hello")).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("hi")));
        assertThat(plain.status()).as("bodies must be JSON").isEqualTo(415);

        Answer refused = post("/api/hello", "{}");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("detail").asText()).isEqualTo("say it in words");
    }
}
