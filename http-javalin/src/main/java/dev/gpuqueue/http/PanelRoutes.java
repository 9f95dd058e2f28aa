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
import java.util.Map;

/**
 * The queue panel of SPEC §13, served from the jar (no CDN, no build step): {@code GET /} is the
 * page, {@code GET /panel/{file}} its script and style sheet, {@code GET /panel/uplot/{file}} the
 * chart library from the uPlot webjar. Only the files named here are served, each with its content
 * type; any other name is a 404 JSON error, so no path ever reaches the class path or the disk. The
 * page acts only through the public API with the user's token, from the same origin, so it lives
 * with the request guard (Host, Origin, JSON bodies) like any other client. Pass {@link #routes()}
 * to {@link HttpApi#create(ApiDependencies, HttpOptions, List)}. The files are read once, when the
 * routes are made; thread-safe.
 */
public final class PanelRoutes {
    /** The uPlot webjar's version (the {@code uplot.version} of the parent pom). */
    static final String UPLOT_VERSION = "1.6.30";

    private static final String PANEL_DIR = "dev/gpuqueue/http/panel/";
    private static final String UPLOT_DIR = "META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/dist/";
    private static final String HTML = "text/html; charset=utf-8";
    private static final String JS = "text/javascript; charset=utf-8";
    private static final String CSS = "text/css; charset=utf-8";
    /**
     * The page may load and talk to its own origin only, and may not be framed (its buttons act with
     * the user's token). Inline styles are allowed because uPlot positions its parts with them.
     */
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private PanelRoutes() {}

    /** A file the panel serves: its bytes, content type and entity tag. */
    private record Asset(byte[] bytes, String contentType, String etag) {}

    /**
     * {@code GET /}, {@code GET /panel/{file}} and {@code GET /panel/uplot/{file}}.
     *
     * @throws IllegalStateException when a file is missing from the class path (a broken build)
     */
    public static List<HttpApi.Route> routes() {
        Asset page = load(PANEL_DIR + "index.html", HTML);
        Map<String, Asset> panel = Map.of(
                "panel.js", load(PANEL_DIR + "panel.js", JS),
                "panel.css", load(PANEL_DIR + "panel.css", CSS));
        Map<String, Asset> uplot = Map.of(
                "uPlot.esm.js", load(UPLOT_DIR + "uPlot.esm.js", JS),
                "uPlot.min.css", load(UPLOT_DIR + "uPlot.min.css", CSS));
        return List.of(
                new HttpApi.Route(HandlerType.GET, "/", ctx -> send(ctx, page, true)),
                new HttpApi.Route(HandlerType.GET, "/panel/{file}", ctx -> send(ctx, find(panel, ctx, "/panel/"), false)),
                new HttpApi.Route(HandlerType.GET, "/panel/uplot/{file}",
                        ctx -> send(ctx, find(uplot, ctx, "/panel/uplot/"), false)));
    }

    private static Asset find(Map<String, Asset> files, Context ctx, String prefix) {
        Asset asset = files.get(ctx.pathParam("file"));
        if (asset == null) {
            throw new NotFoundException("no panel file " + prefix + ctx.pathParam("file") + "; the panel is at /");
        }
        return asset;
    }

    private static void send(Context ctx, Asset asset, boolean page) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("ETag", asset.etag());
        if (page) {
            ctx.header("Content-Security-Policy", CSP);
            ctx.header("X-Frame-Options", "DENY");
            ctx.header("Referrer-Policy", "no-referrer");
        }
        String ifNoneMatch = ctx.header("If-None-Match");
        if (ifNoneMatch != null && ifNoneMatch.contains(asset.etag())) {
            ctx.status(304);
            return;
        }
        ctx.contentType(asset.contentType()).result(asset.bytes());
    }

    private static Asset load(String resource, String contentType) {
        try (InputStream in = PanelRoutes.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the panel file " + resource + " is missing from the class path");
            }
            byte[] bytes = in.readAllBytes();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return new Asset(bytes, contentType, "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the panel file " + resource, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
