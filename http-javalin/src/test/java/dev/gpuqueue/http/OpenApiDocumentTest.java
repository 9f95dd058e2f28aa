package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.gpuqueue.core.port.HostStatus;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.core.memory.InMemoryUserDirectory;
import dev.gpuqueue.core.port.JobLogs;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** docs/openapi.yaml and the app's route table list the same method + path pairs. */
class OpenApiDocumentTest extends ApiTestBase {
    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");

    @Test
    void theDocumentDescribesExactlyTheRegisteredRoutes() throws Exception {
        JsonNode document = new ObjectMapper(new YAMLFactory()).readTree(Path.of("../docs/openapi.yaml").toFile());
        Set<String> documented = new TreeSet<>();
        document.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (METHODS.contains(method)) {
                documented.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }));
        Set<String> registered = new TreeSet<>();
        for (HttpApi.Route route : HttpApi.routes(dependencies(), ApiJson.mapper())) {
            registered.add(route.method().name() + " " + route.path());
        }

        assertThat(registered).hasSize(38);
        assertThat(documented).isEqualTo(registered);
    }

    @Test
    void everyDocumentedRouteAnswersSomethingOtherThanNotFoundRoute() throws Exception {
        JsonNode document = new ObjectMapper(new YAMLFactory()).readTree(Path.of("../docs/openapi.yaml").toFile());
        document.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (METHODS.contains(method)) {
                String concrete = path.getKey().replace("{job_id}", "nope").replace("{user_id}", "999")
                        .replace("{worker_id}", "nope").replace("{array_id}", "nope")
                        // the event stream never ends; one for an unknown job is refused at once
                        + (path.getKey().equals("/api/events") ? "?job_id=nope" : "");
                Answer answer = send(HttpRequest.newBuilder(URI.create(base + concrete))
                        .header("Content-Type", "application/json")
                        .method(method.toUpperCase(Locale.ROOT), method.equals("post")
                                ? HttpRequest.BodyPublishers.ofString("{}")
                                : HttpRequest.BodyPublishers.noBody()));
                assertThat(answer.json()).as(method + " " + path.getKey()).isNotNull();
                assertThat(answer.body()).as(method + " " + path.getKey()).doesNotContain("no route");
                assertThat(answer.status()).as(method + " " + path.getKey()).isLessThan(500);
            }
        }));
    }

    private ApiDependencies dependencies() {
        return new ApiDependencies(h.service(), h.scheduler(), h.queue.workers(), h.gpus, HostStatus.unknown(),
                JobLogs.none(), new UserAdmin(new InMemoryUserDirectory(), h.store, h.clock), CallerResolver.singleUserAdmin(), h.clock);
    }
}
