package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Reading a Server-Sent Events stream in tests: frames and comments, waited for with a bound. */
final class SseStream {
    private SseStream() {}

    /** One event as the stream framed it. */
    record Frame(long id, String type, JsonNode data) {}

    /**
     * An open event stream read line by line on a background thread; frames and comments are
     * collected and waited for with a bound.
     */
    static final class Open implements AutoCloseable {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        private final HttpResponse<java.util.stream.Stream<String>> response;
        private final Thread reader;

        Open(HttpClient client, HttpRequest request) throws IOException, InterruptedException {
            response = client.send(request, HttpResponse.BodyHandlers.ofLines());
            reader = new Thread(this::read, "sse-test-reader");
            reader.setDaemon(true);
            if (response.statusCode() == 200) {
                reader.start();
            }
        }

        int status() {
            return response.statusCode();
        }

        String contentType() {
            return response.headers().firstValue("Content-Type").orElse("");
        }

        private void read() {
            Long id = null;
            String type = null;
            try (java.util.stream.Stream<String> lines = response.body()) {
                for (String line : (Iterable<String>) lines::iterator) {
                    if (line.startsWith(":")) {
                        received.add(line.substring(1).strip());
                    } else if (line.startsWith("id:")) {
                        id = Long.parseLong(line.substring(3).strip());
                    } else if (line.startsWith("event:")) {
                        type = line.substring(6).strip();
                    } else if (line.startsWith("data:")) {
                        received.add(new Frame(id == null ? -1 : id, type, JSON.readTree(line.substring(5).strip())));
                        id = null;
                        type = null;
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                // closed
            }
            received.add("<end>");
        }

        /** Frames until one matches {@code last}, within 10 s. */
        List<Frame> framesUntil(Predicate<Frame> last) throws InterruptedException {
            List<Frame> frames = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                Object next = received.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                assertThat(next).as("an event within 10 s; got so far: " + frames).isNotNull();
                if (next instanceof Frame frame) {
                    frames.add(frame);
                    if (last.test(frame)) {
                        return frames;
                    }
                }
            }
        }

        /** The next comment or end marker, skipping frames, within 10 s. */
        String nextComment() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                Object next = received.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                assertThat(next).as("a comment within 10 s").isNotNull();
                if (next instanceof String comment) {
                    return comment;
                }
            }
        }

        @Override
        public void close() {
            reader.interrupt();
            response.body().close();
        }
    }
}
