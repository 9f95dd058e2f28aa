package dev.gpuqueue.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Talks to a gpuqueue server over HTTP with an optional bearer token. Any answer that is not 2xx
 * becomes a {@link ClientException} carrying the server's {@code detail}; an unreachable server one
 * naming the URL. Thread-safe.
 */
public final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @throws ClientException when {@code base} is not a server address ({@code http(s)://host[:port]},
     *     no path)
     */
    public ApiClient(String base, String token) {
        this.base = checkedBase(base);
        this.token = token == null || token.isBlank() ? null : token.strip();
    }

    private static String checkedBase(String base) {
        String trimmed = base.strip().replaceAll("/+$", "");
        try {
            URI uri = new URI(trimmed);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null
                    || !uri.getRawPath().isEmpty() || uri.getRawQuery() != null) {
                throw new URISyntaxException(trimmed, "not http(s)://host[:port]");
            }
            return trimmed;
        } catch (URISyntaxException e) {
            throw new ClientException("--url must be the server's address, e.g. http://127.0.0.1:8000 (no path); got '"
                    + base + "'");
        }
    }

    public String base() {
        return base;
    }

    public JsonNode get(String path) {
        return json(send("GET", path, null));
    }

    public JsonNode post(String path, Object body) {
        return json(send("POST", path, body));
    }

    public String text(String path) {
        return send("GET", path, null).body();
    }

    /** A response as bytes, with its headers (logs, which must reach the terminal byte for byte). */
    public HttpResponse<byte[]> bytes(String path) {
        return send("GET", path, null, HttpResponse.BodyHandlers.ofByteArray());
    }

    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> send(String method, String path, Object body) {
        return send(method, path, body, HttpResponse.BodyHandlers.ofString());
    }

    private <T> HttpResponse<T> send(String method, String path, Object body, HttpResponse.BodyHandler<T> handler) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            if (body != null) {
                request.header("Content-Type", "application/json");
                request.method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<T> response = http.send(request.build(), handler);
            if (response.statusCode() >= 300) {
                throw new ClientException(detail(response.statusCode(), response.body()));
            }
            return response;
        } catch (ConnectException e) {
            throw new ClientException("cannot reach the gpuqueue server at " + base + " (connection refused);"
                    + " is it running? (set --url or GPUQUEUE_URL)");
        } catch (HttpTimeoutException e) {
            throw new ClientException("the gpuqueue server at " + base + " did not answer in time");
        } catch (IOException e) {
            throw new ClientException("cannot reach the gpuqueue server at " + base + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException("interrupted");
        }
    }

    private static String detail(int status, Object body) {
        try {
            JsonNode error = body instanceof byte[] bytes ? JSON.readTree(bytes) : JSON.readTree(String.valueOf(body));
            if (error != null && error.hasNonNull("detail")) {
                return error.get("detail").asText() + " (HTTP " + status + ")";
            }
        } catch (IOException notJson) {
            // fall through
        }
        return "the server answered HTTP " + status;
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new ClientException("the server's answer is not JSON: " + e.getMessage());
        }
    }
}
