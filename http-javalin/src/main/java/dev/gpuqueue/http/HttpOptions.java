package dev.gpuqueue.http;

import dev.gpuqueue.core.error.ValidationException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How the API faces browsers and the network: the address it is bound to, the extra host names it
 * answers to ({@code --allowed-hosts}; {@code *} turns the Host check off, for servers behind a
 * proxy that rewrites it), and the origins allowed to make cross-origin requests
 * ({@code --cors-origin}; none by default). Immutable.
 */
public record HttpOptions(String bindHost, List<String> allowedHosts, List<String> corsOrigins) {

    public HttpOptions {
        Objects.requireNonNull(bindHost, "bindHost");
        allowedHosts = allowedHosts.stream().map(h -> h.strip().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty()).toList();
        corsOrigins = corsOrigins.stream().map(origin -> origin(origin, true)).toList();
    }

    /** A server on loopback that answers to loopback names only and allows no cross-origin request. */
    public static HttpOptions loopback() {
        return new HttpOptions("127.0.0.1", List.of(), List.of());
    }

    /**
     * An origin in one spelling, {@code scheme://host[:port]}: lower case, no trailing slash, no
     * default port ({@code :80} for http, {@code :443} for https).
     *
     * @throws ValidationException when {@code strict} and it is not an origin (an {@code Origin}
     *     header that is not one, {@code null} say, is returned as it is: it matches nothing)
     */
    static String origin(String value, boolean strict) {
        String origin = value.strip().toLowerCase(Locale.ROOT);
        while (origin.endsWith("/")) {
            origin = origin.substring(0, origin.length() - 1);
        }
        if (!origin.matches("https?://[^/\\s?#@]+")) {
            if (strict) {
                throw new ValidationException("--cors-origin must be scheme://host[:port], e.g. https://panel.example.org"
                        + " (got '" + value + "')");
            }
            return origin;
        }
        if (origin.startsWith("http://") && origin.endsWith(":80")) {
            return origin.substring(0, origin.length() - 3);
        }
        if (origin.startsWith("https://") && origin.endsWith(":443")) {
            return origin.substring(0, origin.length() - 4);
        }
        return origin;
    }
}
