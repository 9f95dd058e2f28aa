package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.memory.InMemoryUserDirectory;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.port.HostStatus;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.core.testing.QueueHarness;
import io.javalin.Javalin;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A web page elsewhere cannot change the queue (CSRF), and a rebinding DNS name cannot read it, in
 * single-user mode, where every request on loopback acts as admin (SPEC §14).
 */
class BrowserSecurityTest {
    private QueueHarness h;
    private UserAdmin users;
    private Javalin app;
    private int port;

    @BeforeEach
    void start() {
        startWith(HttpOptions.loopback());
    }

    private void startWith(HttpOptions options) {
        if (app != null) {
            app.stop();
        }
        h = new QueueHarness(new InMemoryJobStore());
        users = new UserAdmin(new InMemoryUserDirectory(), h.store, h.clock);
        app = HttpApi.create(new ApiDependencies(h.service(), h.scheduler(), h.queue.workers(), h.gpus, HostStatus.unknown(), JobLogs.none(),
                users, new TokenAuth(users, true), h.clock), options);
        app.start("127.0.0.1", 0);
        port = app.port();
    }

    @AfterEach
    void stop() {
        app.stop();
    }

    private String state() {
        return h.jobCount() + " jobs, " + h.service().settings() + ", " + users.list(Caller.LOCAL_ADMIN);
    }

    private RawHttp.Response request(String method, String path, String headers, String body) {
        return RawHttp.send(port, method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + (headers.isEmpty() ? "" : "\r\n" + headers), body);
    }

    static Stream<Arguments> crossSiteStateChanges() {
        String evil = "Origin: http://evil.example";
        return Stream.of(
                Arguments.of("text/plain submit", "POST", "/api/queue/submit", evil + "\r\nContent-Type: text/plain",
                        "{\"config_name\": \"train\"}", 403),
                Arguments.of("form submit", "POST", "/api/queue/submit", evil
                        + "\r\nContent-Type: application/x-www-form-urlencoded", "config_name=train", 403),
                Arguments.of("JSON limits change", "POST", "/api/queue/concurrency", evil
                        + "\r\nContent-Type: application/json", "{\"max_concurrent\": 100}", 403),
                Arguments.of("cleanup", "POST", "/api/queue/cleanup?days=1", evil, null, 403),
                Arguments.of("admin user", "POST", "/api/admin/users", evil + "\r\nContent-Type: text/plain",
                        "{\"name\": \"mallory\", \"level\": \"admin\"}", 403),
                Arguments.of("null origin", "POST", "/api/queue/process", "Origin: null", null, 403),
                Arguments.of("text/plain without Origin", "POST", "/api/queue/submit", "Content-Type: text/plain",
                        "{\"config_name\": \"train\"}", 415),
                Arguments.of("form without Origin", "POST", "/api/admin/users",
                        "Content-Type: application/x-www-form-urlencoded", "name=mallory&level=admin", 415),
                Arguments.of("body without Content-Type", "POST", "/api/queue/concurrency", "",
                        "{\"max_concurrent\": 100}", 415));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("crossSiteStateChanges")
    void crossSiteAndNonJsonStateChangesAreRefusedAndChangeNothing(String name, String method, String path,
            String headers, String body, int status) {
        String before = state();

        RawHttp.Response answer = request(method, path, headers, body);

        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.body()).contains("\"error\"").contains("\"detail\"");
        assertThat(state()).isEqualTo(before);
        assertThat(answer.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void aReadNamingAContentTypeWithoutABodyIsAnswered() {
        assertThat(request("GET", "/api/queue", "Content-Type: text/plain", null).status()).isEqualTo(200);
    }

    @Test
    void aRebindingHostNameGetsNoAnswerAndNoToken() {
        RawHttp.Response created = RawHttp.send(port, "POST /api/admin/users HTTP/1.1\r\nHost: attacker.example:" + port
                + "\r\nContent-Type: application/json", "{\"name\": \"mallory\", \"level\": \"admin\"}");
        RawHttp.Response read = RawHttp.send(port, "GET /api/queue HTTP/1.1\r\nHost: attacker.example", null);

        assertThat(created.status()).isEqualTo(403);
        assertThat(created.body()).contains("attacker.example").contains("--allowed-hosts").doesNotContain("token");
        assertThat(read.status()).isEqualTo(403);
        assertThat(users.singleUserMode()).as("no user was created").isTrue();
    }

    @Test
    void loopbackNamesTheBindAddressAndAllowedHostsAreAnswered() {
        startWith(new HttpOptions("127.0.0.1", List.of("gpu-box.lan"), List.of()));
        for (String host : List.of("localhost:" + port, "127.0.0.1", "[::1]:" + port, "GPU-BOX.lan:" + port)) {
            assertThat(RawHttp.send(port, "GET /api/health HTTP/1.1\r\nHost: " + host, null).status()).as(host).isEqualTo(200);
        }
        assertThat(RawHttp.send(port, "GET /api/health HTTP/1.1\r\nHost: other.lan", null).status()).isEqualTo(403);

        startWith(new HttpOptions("127.0.0.1", List.of("*"), List.of()));
        assertThat(RawHttp.send(port, "GET /api/health HTTP/1.1\r\nHost: anything.example", null).status()).isEqualTo(200);
    }

    @Test
    void aSameOriginPageAndJsonClientsWithoutAnOriginMayChangeState() {
        RawHttp.Response sameOrigin = request("POST", "/api/queue/submit", "Origin: http://127.0.0.1:" + port
                + "\r\nContent-Type: application/json; charset=utf-8", "{\"config_name\": \"train\"}");
        RawHttp.Response cli = request("POST", "/api/queue/process", "", null);

        assertThat(sameOrigin.status()).as(sameOrigin.body()).isEqualTo(200);
        assertThat(cli.status()).isEqualTo(200);
        assertThat(h.jobCount()).isEqualTo(1);
    }

    @Test
    void anAllowedCorsOriginGetsCorsHeadersAndMayChangeStateOthersGetNone() {
        startWith(new HttpOptions("127.0.0.1", List.of(), List.of("https://panel.example.org/")));

        RawHttp.Response preflight = request("OPTIONS", "/api/queue/submit", "Origin: https://panel.example.org"
                + "\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type, authorization", null);
        RawHttp.Response allowed = request("POST", "/api/queue/submit", "Origin: https://panel.example.org"
                + "\r\nContent-Type: application/json", "{\"config_name\": \"train\"}");
        RawHttp.Response other = request("POST", "/api/queue/submit", "Origin: https://evil.example"
                + "\r\nContent-Type: application/json", "{\"config_name\": \"train\"}");

        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("https://panel.example.org");
        assertThat(allowed.status()).as(allowed.body()).isEqualTo(200);
        assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo("https://panel.example.org");
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.header("Access-Control-Allow-Origin")).isNull();
        assertThat(h.jobCount()).isEqualTo(1);
    }

    @Test
    void withCorsOriginsTheServersOwnPagesStillWorkAndOthersAreNeverAnsweredHalfway() {
        startWith(new HttpOptions("127.0.0.1", List.of(), List.of("http://dash.example")));

        RawHttp.Response own = request("POST", "/api/queue/submit", "Origin: http://127.0.0.1:" + port
                + "\r\nContent-Type: application/json", "{\"config_name\": \"train\"}");
        RawHttp.Response spelledDifferently = request("POST", "/api/queue/submit", "Origin: HTTP://DASH.example:80"
                + "\r\nContent-Type: application/json", "{\"config_name\": \"train\"}");
        RawHttp.Response otherRead = request("GET", "/api/queue", "Origin: https://evil.example", null);
        RawHttp.Response otherPreflight = request("OPTIONS", "/api/queue/submit", "Origin: https://evil.example"
                + "\r\nAccess-Control-Request-Method: POST", null);

        assertThat(own.status()).as(own.body()).isEqualTo(200);
        assertThat(own.header("Access-Control-Allow-Origin")).isNull();
        assertThat(spelledDifferently.status()).as(spelledDifferently.body()).isEqualTo(200);
        assertThat(otherRead.status()).isEqualTo(200);
        assertThat(otherRead.header("Access-Control-Allow-Origin")).as("the browser keeps the answer from the page").isNull();
        assertThat(otherPreflight.status()).isEqualTo(403);
        assertThat(h.jobCount()).isEqualTo(2);
    }
}
