package dev.gpuqueue.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * Talks to a gpuqueue server over HTTP with an optional bearer token. Any answer that is not 2xx
 * becomes a {@link ClientException} carrying the server's {@code detail}; an unreachable server one
 * naming the URL. Built on {@link HttpURLConnection} (keep-alive between calls): a command starts in
 * a fraction of the time {@code java.net.http.HttpClient} takes, which sets up TLS and its own
 * threads even for plain HTTP. Thread-safe.
 */
public final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // a POST whose connection drops before the answer must not be sent again (a second cancel, a second submit)
        System.setProperty("sun.net.http.retryPost", "false");
    }

    private final String base;
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final int READ_TIMEOUT_MILLIS = 120_000;

    private final String token;

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

    /** A DELETE; its answer's body is ignored. */
    public void delete(String path) {
        send("DELETE", path, null);
    }

    public String text(String path) {
        return new String(send("GET", path, null).body(), StandardCharsets.UTF_8);
    }

    /** A response as bytes, with its headers (logs, which must reach the terminal byte for byte). */
    public Answer bytes(String path) {
        return send("GET", path, null);
    }

    /** A 2xx answer: its body and the headers a caller may read. */
    public record Answer(byte[] body, HttpURLConnection connection) {
        /** A header's value as a number, empty when absent or not a number. */
        public OptionalLong longHeader(String name) {
            try {
                String value = connection.getHeaderField(name);
                return value == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(value.strip()));
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
    }

    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private Answer send(String method, String path, Object body) {
        return reaching(() -> {
            HttpURLConnection connection = open(method, path, body, null, READ_TIMEOUT_MILLIS);
            try (InputStream in = connection.getInputStream()) {
                return new Answer(in.readAllBytes(), connection);
            }
        });
    }

    /**
     * Reads the Server-Sent Events at {@code path} line by line, handing each line to {@code line}
     * until it returns false or the stream ends. The server's heartbeats keep the read timeout away.
     */
    public void events(String path, Predicate<String> line) {
        reaching(() -> {
            HttpURLConnection connection = open("GET", path, null, "text/event-stream", READ_TIMEOUT_MILLIS);
            try (BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String next = in.readLine(); next != null && line.test(next); next = in.readLine()) {
                    // each line handed over
                }
            }
            return null;
        });
    }

    /** A connection whose answer was 2xx; otherwise the server's error detail as a {@link ClientException}. */
    private HttpURLConnection open(String method, String path, Object body, String accept, int readTimeout)
            throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(base + path).toURL().openConnection();
        connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
        connection.setReadTimeout(readTimeout);
        connection.setRequestMethod(method);
        if (token != null) {
            connection.setRequestProperty("Authorization", "Bearer " + token);
        }
        if (accept != null) {
            connection.setRequestProperty("Accept", accept);
        }
        if (body != null) {
            byte[] json = JSON.writeValueAsBytes(body);
            connection.setRequestProperty("Content-Type", "application/json");
            connection.setDoOutput(true); // buffered, not streamed: a 401 answer keeps its error body
            try (OutputStream out = connection.getOutputStream()) {
                out.write(json);
            }
        }
        int status = connection.getResponseCode();
        if (status >= 300) {
            InputStream error = connection.getErrorStream();
            byte[] answer;
            try (InputStream in = error == null ? InputStream.nullInputStream() : error) {
                answer = in.readAllBytes();
            }
            throw new ClientException(detail(status, answer), status);
        }
        return connection;
    }

    private interface Exchange<T> {
        T run() throws IOException;
    }

    /** Runs an exchange with the server, turning "cannot reach it" into one clear line. */
    private <T> T reaching(Exchange<T> exchange) {
        try {
            return exchange.run();
        } catch (ConnectException e) {
            throw new ClientException("cannot reach the gpuqueue server at " + base + " (connection refused);"
                    + " is it running? (set --url or GPUQUEUE_URL)");
        } catch (SocketTimeoutException e) {
            throw new ClientException("the gpuqueue server at " + base + " did not answer in time");
        } catch (IOException e) {
            throw new ClientException("cannot reach the gpuqueue server at " + base + ": " + e.getMessage());
        }
    }

    private static String detail(int status, byte[] body) {
        try {
            JsonNode error = body.length == 0 ? null : JSON.readTree(body);
            if (error != null && error.hasNonNull("detail")) {
                return error.get("detail").asText() + " (HTTP " + status + ")";
            }
        } catch (IOException notJson) {
            // fall through
        }
        return "the server answered HTTP " + status;
    }

    private static JsonNode json(Answer answer) {
        try {
            return answer.body().length == 0 ? JSON.nullNode() : JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new ClientException("the server's answer is not JSON: " + e.getMessage());
        }
    }
}
