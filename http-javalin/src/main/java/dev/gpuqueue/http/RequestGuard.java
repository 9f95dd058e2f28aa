package dev.gpuqueue.http;

import dev.gpuqueue.core.error.PermissionDeniedException;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.UnsupportedMediaTypeResponse;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Keeps browsers from being turned against the API (SPEC §14), before any handler runs:
 * <ul>
 *   <li>the {@code Host} header must name this server (a loopback name, the bind address, or an
 *       allowed host), so a rebinding DNS name cannot read answers;
 *   <li>a state change ({@code POST, PUT, PATCH, DELETE}) from another origin is refused unless that
 *       origin is allowed, so a page elsewhere cannot act with the user's access;
 *   <li>a request body must be {@code application/json}, so no "simple" cross-site form or text
 *       request is ever accepted (415).
 * </ul>
 * Origins allowed with {@code --cors-origin} get CORS answers, preflights included; nobody else
 * gets any CORS header. (Javalin's CORS plugin is not used: it answers a request from another
 * origin 400 and still runs it.)
 * Thread-safe.
 */
final class RequestGuard {
    private static final Set<HandlerType> STATE_CHANGES =
            Set.of(HandlerType.POST, HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE);

    private final boolean anyHost;
    private final Set<String> hosts;
    private final Set<String> corsOrigins;

    RequestGuard(HttpOptions options) {
        this.anyHost = options.allowedHosts().contains("*");
        this.hosts = acceptedHosts(options);
        this.corsOrigins = Set.copyOf(options.corsOrigins());
    }

    void check(Context ctx) {
        checkHost(ctx);
        String origin = ctx.header("Origin") == null ? null : HttpOptions.origin(ctx.header("Origin"), false);
        boolean allowed = origin != null && corsOrigins.contains(origin);
        if (allowed) {
            ctx.header("Access-Control-Allow-Origin", ctx.header("Origin"));
            ctx.header("Vary", "Origin");
            ctx.header("Access-Control-Expose-Headers", "X-Log-Offset, X-Log-Size");
        }
        if (ctx.method() == HandlerType.OPTIONS && ctx.header("Access-Control-Request-Method") != null) {
            preflight(ctx, allowed);
            return;
        }
        boolean stateChange = STATE_CHANGES.contains(ctx.method());
        if (stateChange && origin != null && !allowed && !origin.equals(ownOrigin(ctx))) {
            throw new PermissionDeniedException("a state change from the web page origin " + ctx.header("Origin")
                    + " is refused (cross-site request protection); allow that origin with --cors-origin");
        }
        checkContentType(ctx, stateChange);
    }

    /** A browser asks whether it may send a cross-origin request: yes for an allowed origin, else 403. */
    private static void preflight(Context ctx, boolean allowed) {
        if (!allowed) {
            throw new PermissionDeniedException("cross-origin requests from " + ctx.header("Origin")
                    + " are not allowed; allow that origin with --cors-origin");
        }
        ctx.header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
        ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-API-Key, Last-Event-ID");
        ctx.header("Access-Control-Max-Age", "600");
        ctx.status(204).skipRemainingHandlers();
    }

    /** The origin of a page this server served itself, as the request's Host names it; null without Host. */
    private static String ownOrigin(Context ctx) {
        String host = ctx.header("Host");
        return host == null ? null : HttpOptions.origin(ctx.scheme() + "://" + host, false);
    }

    private void checkHost(Context ctx) {
        String host = ctx.header("Host");
        if (anyHost || host == null || hosts.contains(hostName(host))) {
            return;
        }
        throw new PermissionDeniedException("this server does not answer to the host name '" + host + "' (protection"
                + " against DNS rebinding); use its own address, or start the server with --allowed-hosts naming it");
    }

    /** A body must be JSON; so must a state change that names a type even without a body (an empty form). */
    private static void checkContentType(Context ctx, boolean stateChange) {
        String type = ctx.header("Content-Type");
        boolean hasBody = ctx.contentLength() > 0 || ctx.header("Transfer-Encoding") != null;
        if (!hasBody && (type == null || !stateChange)) {
            return;
        }
        String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!media.equals("application/json")) {
            throw new UnsupportedMediaTypeResponse("send request bodies as JSON with 'Content-Type: application/json'"
                    + (type == null ? " (no Content-Type was given)" : " (got '" + type + "')"));
        }
    }

    /** The host part of a Host header, lower case: {@code localhost:8000} → {@code localhost}, {@code [::1]:80} → {@code ::1}. */
    static String hostName(String hostHeader) {
        String host = hostHeader.strip().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(1, end);
        }
        int colon = host.lastIndexOf(':');
        boolean bareIpv6 = host.indexOf(':') != colon;
        return colon < 0 || bareIpv6 ? host : host.substring(0, colon);
    }

    /**
     * Loopback names, the bind address, the allowed hosts; when bound to every interface, also this
     * machine's host name and interface addresses.
     */
    private static Set<String> acceptedHosts(HttpOptions options) {
        Set<String> hosts = new HashSet<>(Set.of("localhost", "127.0.0.1", "::1", "0:0:0:0:0:0:0:1"));
        hosts.add(hostName(options.bindHost()));
        hosts.addAll(options.allowedHosts());
        if (isWildcard(options.bindHost())) {
            try {
                hosts.add(InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT));
                hosts.add(InetAddress.getLocalHost().getCanonicalHostName().toLowerCase(Locale.ROOT));
            } catch (UnknownHostException e) {
                // no resolvable host name: addresses and --allowed-hosts still work
            }
            try {
                for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    Collections.list(nic.getInetAddresses()).forEach(a -> hosts.add(hostName(a.getHostAddress().split("%")[0])));
                }
            } catch (SocketException e) {
                // no interface list: --allowed-hosts still works
            }
        }
        return Set.copyOf(hosts);
    }

    private static boolean isWildcard(String bindHost) {
        try {
            return InetAddress.getByName(bindHost).isAnyLocalAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
