package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.memory.InMemoryUserDirectory;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.port.HostStatus;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.core.testing.QueueHarness;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GET /api/docs (Swagger UI from the jar), its assets, and GET /api/openapi.yaml, behind the API's guard. */
class DocsRoutesTest extends ApiTestBase {
    private static final Pattern REFERENCE = Pattern.compile("\\b(src|href)\\s*=\\s*[\"']([^\"']*)[\"']", Pattern.CASE_INSENSITIVE);
    private static final Map<String, String> TYPES = Map.of(
            "js", "text/javascript", "css", "text/css", "png", "image/png", "html", "text/html", "map", "application/json");

    @Override
    protected List<HttpApi.Route> extraRoutes() {
        return DocsRoutes.routes();
    }

    private HttpResponse<byte[]> bytes(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String type(HttpResponse<?> response) {
        return response.headers().firstValue("Content-Type").orElse("");
    }

    private List<String> pageReferences() {
        Answer page = get("/api/docs");
        List<String> references = new ArrayList<>();
        Matcher m = REFERENCE.matcher(page.body());
        while (m.find()) {
            references.add(m.group(2));
        }
        return references;
    }

    @Test
    void thePageIsHtmlThatLoadsOnlySameOriginAssets() {
        Answer page = get("/api/docs");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.raw().headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.body()).contains("id=\"swagger-ui\"");
        List<String> references = pageReferences();
        assertThat(references).as("scripts, styles and icons").hasSizeGreaterThanOrEqualTo(4)
                .anyMatch(r -> r.endsWith("swagger-ui-bundle.js")).anyMatch(r -> r.endsWith("swagger-initializer.js"));
        assertThat(references).as("relative URLs, no CDN")
                .noneMatch(r -> r.toLowerCase(Locale.ROOT).matches("^(https?:|//|/).*"))
                .noneMatch(r -> r.contains(":"));
        assertThat(page.body()).as("no inline script").doesNotContainPattern("<script(?![^>]*\\bsrc=)[^>]*>");
        String policy = page.raw().headers().firstValue("Content-Security-Policy").orElse("");
        assertThat(policy).contains("script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-eval").doesNotContain("http");
    }

    @Test
    void everyAssetThePageReferencesAnswersWithItsType() throws Exception {
        URI page = URI.create(base + "/api/docs");
        for (String reference : pageReferences()) {
            URI asset = page.resolve(reference);
            assertThat(asset.getPath()).as(reference).startsWith("/api/docs/");
            HttpResponse<byte[]> response = bytes(asset.getPath());
            String extension = reference.substring(reference.lastIndexOf('.') + 1);
            assertThat(response.statusCode()).as(reference).isEqualTo(200);
            assertThat(type(response)).as(reference).startsWith(TYPES.get(extension));
            assertThat(response.body()).as(reference).isNotEmpty();
            assertThat(response.headers().firstValue("X-Content-Type-Options")).as(reference).hasValue("nosniff");
        }
    }

    @Test
    void theInitializerLoadsThisServersDocumentNotThePetstore() {
        Answer initializer = get("/api/docs/swagger-initializer.js");

        assertThat(initializer.status()).isEqualTo(200);
        assertThat(initializer.raw().headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
        assertThat(initializer.body()).contains("\"openapi.yaml\"", "validatorUrl: null").doesNotContain("petstore")
                .doesNotContainPattern("[\"']https?://");
        // The page resolves "openapi.yaml" against its own URL, /api/docs:
        assertThat(URI.create(base + "/api/docs").resolve("openapi.yaml").getPath()).isEqualTo("/api/openapi.yaml");
    }

    @Test
    void otherAssetsOfTheWebjarAreServedWithTheirTypes() throws Exception {
        for (String name : List.of("swagger-ui.css", "swagger-ui.js", "swagger-ui-bundle.js", "favicon-16x16.png",
                "swagger-ui-bundle.js.LICENSE.txt")) {
            HttpResponse<byte[]> response = bytes("/api/docs/" + name);
            String extension = name.substring(name.lastIndexOf('.') + 1);
            assertThat(response.statusCode()).as(name).isEqualTo(200);
            assertThat(type(response)).as(name).startsWith(extension.equals("txt") ? "text/plain" : TYPES.get(extension));
        }
        assertThat(bytes("/api/docs/oauth2-redirect.html").statusCode()).as("no OAuth here: not served").isEqualTo(404);
        HttpResponse<byte[]> png = bytes("/api/docs/favicon-32x32.png");
        assertThat(png.body()).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    }

    @Test
    void theDocumentIsTheRepositoryCopyAsYaml() throws Exception {
        HttpResponse<byte[]> document = bytes("/api/openapi.yaml");

        assertThat(document.statusCode()).isEqualTo(200);
        assertThat(type(document)).startsWith("application/yaml");
        assertThat(document.body()).isEqualTo(Files.readAllBytes(Path.of("../docs/openapi.yaml")));
        assertThat(document.headers().firstValue("Cache-Control").orElse("")).matches(".*max-age=\\d{1,3}\\b.*");
    }

    @Test
    void aClientHoldingTheCurrentVersionGetsNotModified() throws Exception {
        for (String path : List.of("/api/openapi.yaml", "/api/docs", "/api/docs/swagger-ui.css")) {
            String etag = bytes(path).headers().firstValue("ETag").orElseThrow();
            HttpResponse<byte[]> again = bytes(path, "If-None-Match", etag);
            assertThat(again.statusCode()).as(path).isEqualTo(304);
            assertThat(again.body()).as(path).isEmpty();
            assertThat(bytes(path, "If-None-Match", "\"stale\"").statusCode()).as(path).isEqualTo(200);
        }
    }

    @Test
    void theAddressWithATrailingSlashRedirectsToThePage() {
        RawHttp.Response answer = raw("GET", "/api/docs/", "127.0.0.1");

        assertThat(answer.status()).isEqualTo(301);
        assertThat(URI.create(base + "/api/docs/").resolve(answer.header("Location")).getPath()).isEqualTo("/api/docs");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/api/docs/..%2f..%2fpom.xml",
        "/api/docs/../x",
        "/api/docs/%2e%2e/pom.xml",
        "/api/docs/%2e%2e%2f%2e%2e%2fpom.xml",
        "/api/docs/..%5c..%5cpom.xml",
        "/api/docs/..%2f..%2f..%2f..%2fMETA-INF%2fMANIFEST.MF",
        "/api/docs/..",
        "/api/docs/.%2e/openapi.yaml",
        "/api/docs/swagger-ui/swagger-ui.css",
        "/api/docs/5.35.0%2fswagger-ui.css",
        "/api/docs/.hidden.js",
        "/api/docs/index.html",
        "/api/docs/pom.properties",
        "/api/docs/MANIFEST.MF",
        "/api/docs/no-such-file.js",
        "/api/docs/DocsRoutes.class",
        "/api/docs/openapi.yaml"})
    void anythingButAPlainFileOfTheWebjarIsAJsonNotFound(String path) {
        RawHttp.Response answer = raw("GET", path, "127.0.0.1");

        assertThat(answer.status()).as(path).isEqualTo(404);
        assertThat(answer.header("Content-Type")).as(path).startsWith("application/json");
        assertThat(answer.body()).as(path).contains("\"error\":\"not_found\"").doesNotContain("<project", "Manifest-Version");
    }

    @Test
    void aNulInTheNameIsRefusedByTheWebServerAsForTheApi() {
        RawHttp.Response answer = raw("GET", "/api/docs/swagger-ui.css%00.js", "127.0.0.1");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        assertThat(answer.body()).contains("\"error\":\"bad_request\"").doesNotContain("swagger-ui");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/docs", "/api/docs/swagger-ui-bundle.js", "/api/openapi.yaml"})
    void aForeignHostIsRefusedAsForTheApi(String path) {
        RawHttp.Response answer = raw("GET", path, "attacker.example:" + app.port());

        assertThat(answer.status()).as(path).isEqualTo(403);
        assertThat(answer.header("Content-Type")).as(path).startsWith("application/json");
        assertThat(answer.body()).as(path).contains("\"error\":\"forbidden\"");
    }

    @Test
    void theDocsAreReadOnly() {
        Answer post = post("/api/docs", "{}");

        assertThat(post.status()).isIn(404, 405);
        assertThat(post.json()).isNotNull();
    }

    @Test
    void theDocsNeedNoCredentialsWhereTheApiDoes() throws Exception {
        QueueHarness harness = new QueueHarness(new InMemoryJobStore());
        UserAdmin users = new UserAdmin(new InMemoryUserDirectory(), harness.store, harness.clock);
        users.create(Caller.LOCAL_ADMIN, "ada", Level.ADMIN, null);
        Javalin secured = HttpApi.create(new ApiDependencies(harness.service(), harness.scheduler(), harness.queue.workers(),
                harness.gpus, HostStatus.unknown(), JobLogs.none(), users, new TokenAuth(users, true), harness.clock),
                HttpOptions.loopback(), DocsRoutes.routes());
        secured.start("127.0.0.1", 0);
        try {
            String at = "http://127.0.0.1:" + secured.port();
            assertThat(send(HttpRequest.newBuilder(URI.create(at + "/api/queue")).GET()).status()).isEqualTo(401);
            for (String path : List.of("/api/docs", "/api/docs/swagger-ui-bundle.js", "/api/openapi.yaml")) {
                assertThat(send(HttpRequest.newBuilder(URI.create(at + path)).GET()).status()).as(path).isEqualTo(200);
            }
        } finally {
            secured.stop();
        }
    }

    @Test
    void theDocumentOffersBearerTokensToTryItOut() {
        String document = get("/api/openapi.yaml").body();

        assertThat(document).containsPattern("(?s)securitySchemes:.*type: http\\s+scheme: bearer");
    }

    private RawHttp.Response raw(String method, String path, String host) {
        return RawHttp.send(app.port(), method + " " + path + " HTTP/1.1\r\nHost: " + host, null);
    }
}
