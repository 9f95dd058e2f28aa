package dev.gpuqueue.http;

import dev.gpuqueue.core.error.NotFoundException;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The API's documentation, without credentials (it describes the API and shows no data):
 * <ul>
 *   <li>{@code GET /api/openapi.yaml}: docs/openapi.yaml as packaged in the jar, {@code application/yaml}
 *       (RFC 9512, what YAML tools and proxies know; {@code application/vnd.oai.openapi} says more but is
 *       known to fewer clients, and Swagger UI reads either);
 *   <li>{@code GET /api/docs}: Swagger UI, configured for that document, with every URL relative and
 *       same-origin (no CDN: the machine may be offline);
 *   <li>{@code GET /api/docs/{file}}: its assets, from the swagger-ui webjar; only plain file names of
 *       known types, anything else is the API's JSON 404.
 * </ul>
 * Add them with {@link HttpApi#create(ApiDependencies, HttpOptions, List)}, behind the same request guard.
 * Everything is read once, when {@link #routes()} is called, except the webjar's files, which are streamed.
 * Thread-safe.
 */
public final class DocsRoutes {
    /** Where the build puts docs/openapi.yaml in the jar. */
    static final String DOCUMENT = "dev/gpuqueue/http/docs/openapi.yaml";
    /** gpuqueue's own page and initializer for Swagger UI. */
    static final String OWN_FILES = "dev/gpuqueue/http/docs-ui/";
    static final String WEBJAR_PROPERTIES = "META-INF/maven/org.webjars/swagger-ui/pom.properties";
    static final String WEBJAR_FILES = "META-INF/resources/webjars/swagger-ui/";

    /** The webjar's own page: it lives at GET /api/docs, where its relative URLs resolve. */
    /** Not served: the webjar's own page (ours replaces it) and its OAuth2 redirect page (no OAuth here). */
    private static final Set<String> HIDDEN = Set.of("index.html", "oauth2-redirect.html");
    /** A plain file name with an extension: no slash, backslash, percent sign, or leading dot. */
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9_-]+)+");
    private static final Map<String, String> TYPES = Map.of(
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "png", "image/png",
            "html", "text/html; charset=utf-8",
            "map", "application/json; charset=utf-8",
            "txt", "text/plain; charset=utf-8");
    static final String YAML = "application/yaml";

    /** The page runs only its own scripts; Swagger UI needs inline styles and data: images (its CSS icons). */
    static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline';"
            + " img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    /** The document and the page change only with a new server version, so a client may keep them briefly. */
    private static final String BRIEFLY = "public, max-age=60";
    /** The asset URLs carry no version, so an upgrade must show within the hour; the ETag names the version. */
    private static final String HOURLY = "public, max-age=3600";

    private DocsRoutes() {}

    /**
     * {@code GET /api/openapi.yaml}, {@code GET /api/docs} and {@code GET /api/docs/{file}}.
     *
     * @throws IllegalStateException when the jar lacks the document, the page or the webjar
     */
    public static List<HttpApi.Route> routes() {
        ClassLoader loader = DocsRoutes.class.getClassLoader();
        Resource document = Resource.of(read(loader, DOCUMENT), YAML);
        Resource page = Resource.of(read(loader, OWN_FILES + "index.html"), TYPES.get("html"));
        // Served instead of the webjar's initializer, which loads the petstore example from the Internet.
        Map<String, Resource> own = Map.of("swagger-initializer.js",
                Resource.of(read(loader, OWN_FILES + "swagger-initializer.js"), TYPES.get("js")));
        String version = webjarVersion(loader);
        String webjar = WEBJAR_FILES + version + "/";
        String webjarTag = "\"swagger-ui-" + version + "\"";
        return List.of(
                new HttpApi.Route(HandlerType.GET, "/api/openapi.yaml", ctx -> document.answer(ctx)),
                new HttpApi.Route(HandlerType.GET, "/api/docs", ctx -> {
                    // Javalin also routes /api/docs/ here, where the page's relative URLs would miss.
                    if (ctx.path().endsWith("/")) {
                        ctx.status(301).header("Location", "../docs");
                        return;
                    }
                    ctx.header("Content-Security-Policy", PAGE_POLICY);
                    ctx.header("X-Frame-Options", "DENY");
                    page.answer(ctx);
                }),
                new HttpApi.Route(HandlerType.GET, "/api/docs/{file}", ctx -> {
                    String name = ctx.pathParam("file");
                    String type = typeOf(name);
                    if (type == null || HIDDEN.contains(name)) {
                        throw notFound(name);
                    }
                    Resource mine = own.get(name);
                    if (mine != null) {
                        mine.answer(ctx);
                        return;
                    }
                    InputStream in = loader.getResourceAsStream(webjar + name);
                    if (in == null) {
                        throw notFound(name);
                    }
                    if (notModified(ctx, webjarTag, HOURLY)) {
                        in.close();
                        return;
                    }
                    ctx.header("X-Content-Type-Options", "nosniff");
                    ctx.contentType(type).result(in);
                }));
    }

    /** The content type of a plain file name of a served kind; null for anything else. */
    static String typeOf(String name) {
        if (name == null || !FILE_NAME.matcher(name).matches()) {
            return null;
        }
        String extension = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return TYPES.get(extension);
    }

    private static NotFoundException notFound(String name) {
        return new NotFoundException("no documentation file '" + name + "'; the API's documentation is GET /api/docs"
                + " and GET /api/openapi.yaml");
    }

    /** Sets the cache headers; answers 304 and returns true when the client holds this version. */
    private static boolean notModified(Context ctx, String etag, String cacheControl) {
        ctx.header("Cache-Control", cacheControl);
        ctx.header("ETag", etag);
        String held = ctx.header("If-None-Match");
        if (held != null) {
            for (String tag : held.split(",")) {
                String t = tag.strip();
                if (t.equals(etag) || t.equals("W/" + etag) || t.equals("*")) {
                    ctx.status(304);
                    return true;
                }
            }
        }
        return false;
    }

    private static String webjarVersion(ClassLoader loader) {
        Properties properties = new Properties();
        try (InputStream in = loader.getResourceAsStream(WEBJAR_PROPERTIES)) {
            if (in == null) {
                throw new IllegalStateException("the swagger-ui webjar is not on the classpath (" + WEBJAR_PROPERTIES + ")");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String version = properties.getProperty("version");
        if (version == null || !version.matches("[0-9A-Za-z][0-9A-Za-z_-]*(\\.[0-9A-Za-z_-]+)*")) {
            throw new IllegalStateException("the swagger-ui webjar names no usable version: " + version);
        }
        return version;
    }

    private static byte[] read(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + resource + "; rebuild http-javalin");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file held in memory, with an ETag from its content. */
    private record Resource(byte[] bytes, String type, String etag) {
        static Resource of(byte[] bytes, String type) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
                return new Resource(bytes, type, "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void answer(Context ctx) {
            if (notModified(ctx, etag, BRIEFLY)) {
                return;
            }
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.contentType(type).result(bytes);
        }
    }
}
