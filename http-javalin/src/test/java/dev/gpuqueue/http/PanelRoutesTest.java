package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The queue panel's files: the page, its assets with their content types, and nothing else. */
class PanelRoutesTest extends ApiTestBase {
    private static final Pattern REFERENCE = Pattern.compile("(?:src|href)\\s*=\\s*\"([^\"]*)\"");
    private static final Pattern IMPORT = Pattern.compile("(?m)^\\s*import\\s[^'\"]*['\"]([^'\"]+)['\"]");

    @Override
    protected List<HttpApi.Route> extraRoutes() {
        return PanelRoutes.routes();
    }

    @Test
    void thePageIsHtmlAndLoadsOnlyAssetsOfItsOwnOrigin() {
        Answer page = get("/");

        assertThat(page.status()).isEqualTo(200);
        assertThat(contentType(page)).isEqualTo("text/html;charset=utf-8");
        assertThat(page.body()).startsWith("<!doctype html>").contains("<script type=\"module\" src=\"/panel/panel.js\">");
        List<String> references = all(REFERENCE, page.body());
        assertThat(references).contains("/panel/panel.js", "/panel/panel.css", "/panel/uplot/uPlot.min.css");
        assertThat(references).as("same-origin paths only: no CDN, no other host")
                .allSatisfy(ref -> assertThat(ref).startsWith("/").doesNotStartWith("//"));
        assertThat(page.body()).doesNotContain("http://", "https://", "<style", "style=\"", "onclick");
        for (String asset : references.stream().filter(r -> r.startsWith("/panel/")).toList()) {
            assertThat(get(asset).status()).as(asset).isEqualTo(200);
        }
    }

    @Test
    void thePageForbidsOtherOriginsAndFraming() {
        Answer page = get("/");

        String policy = page.raw().headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(policy).contains("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'");
        assertThat(page.raw().headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(page.raw().headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    }

    @Test
    void theScriptImportsOnlyFromThisServerAndTalksOnlyToItsApi() {
        String script = get("/panel/panel.js").body();

        List<String> imports = all(IMPORT, script);
        assertThat(imports).containsExactly("/panel/uplot/uPlot.esm.js");
        assertThat(get(imports.get(0)).body()).contains("export { uPlot as default }");
        assertThat(script).doesNotContain("http://", "https://", "eval(", "innerHTML", "new EventSource");
        assertThat(script).contains("'/api/events", "Authorization", "'Content-Type'] = 'application/json'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "/panel/panel.js, text/javascript; charset=utf-8",
        "/panel/panel.css, text/css; charset=utf-8",
        "/panel/uplot/uPlot.esm.js, text/javascript; charset=utf-8",
        "/panel/uplot/uPlot.min.css, text/css; charset=utf-8"})
    void eachAssetAnswersWithItsContentType(String path, String contentType) {
        Answer asset = get(path);

        assertThat(asset.status()).isEqualTo(200);
        assertThat(contentType(asset)).isEqualTo(contentType.replace(" ", ""));
        assertThat(asset.raw().headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(asset.body()).isNotBlank();
    }

    @Test
    void anUnchangedFileIsNotSentAgain() {
        Answer first = get("/panel/panel.js");
        String etag = first.raw().headers().firstValue("ETag").orElseThrow();

        Answer again = send(HttpRequest.newBuilder(URI.create(base + "/panel/panel.js")).header("If-None-Match", etag).GET());

        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/panel/nope.js", "/panel/index.html", "/panel/PanelRoutes.class", "/panel/uplot/uPlot.d.ts",
        "/panel/uplot/LICENSE", "/panel/uplot/package.json", "/panel/uplot/uPlot.iife.js", "/panel/uplot/panel.js",
        "/panel/PANEL.JS", "/panel/panel.js.map", "/panel/", "/panel", "/panel/uplot/", "/panel/a/b/c"})
    void anUnknownNameIsA404WithAJsonError(String path) {
        Answer answer = get(path);

        assertThat(answer.status()).as(path).isEqualTo(404);
        assertThat(answer.raw().headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(answer.json().get("error").asText()).isEqualTo("not_found");
        assertThat(answer.json().get("detail").asText()).isNotBlank();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/panel/..%2Fpanel.js", "/panel/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/panel/..%5Cpanel.js",
        "/panel/uplot/..%2F..%2Fpackage.json", "/panel/uplot/..%2FLICENSE", "/panel/%2e%2e/uplot/LICENSE",
        "/panel/uplot/%2e%2e%2f%2e%2e%2fMETA-INF%2fMANIFEST.MF", "/panel/panel.js%00.css", "/panel/..;/panel.js",
        "/panel/../../etc/passwd", "/panel/uplot/../../../dev/gpuqueue/http/PanelRoutes.class"})
    void aTraversalIsRefusedWithAJsonErrorAndServesNothing(String path) {
        RawHttp.Response answer = RawHttp.send(app.port(), "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1", null);

        assertThat(answer.status()).as(path).isIn(400, 404);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        assertThat(answer.body()).contains("\"error\":").doesNotContain("<html", "root:", "Manifest-Version", "uPlot",
                "\tat ", "export ");
    }

    @Test
    void theApiStillAnswersBesideThePanel() {
        assertThat(get("/api/queue/stats").status()).isEqualTo(200);
        assertThat(post("/").status()).isEqualTo(405);
    }

    /** The Content-Type without spaces, lower case ({@code text/html;charset=utf-8}). */
    private static String contentType(Answer answer) {
        return answer.raw().headers().firstValue("Content-Type").orElse("").replace(" ", "").toLowerCase(java.util.Locale.ROOT);
    }

    private static List<String> all(Pattern pattern, String text) {
        List<String> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
