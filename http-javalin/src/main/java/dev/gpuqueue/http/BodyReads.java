package dev.gpuqueue.http;

import io.javalin.http.ContentTooLargeResponse;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds request-body reading so slow clients cannot stall the API: at most {@link #MAX_CONCURRENT}
 * bodies are read at once, at most {@link #MAX_PER_CREDENTIAL} of them for one credential (so one
 * user cannot take every slot); a request beyond that waits briefly, then is answered 503. Each read
 * blocks at most {@link #IDLE_TIMEOUT} without data (the server's HTTP idle timeout) and must finish
 * within {@link #DEADLINE} in all. An upload the client abandons or that times out is logged as one
 * line and answered 408. Thread-safe.
 */
final class BodyReads {
    private static final Logger LOG = LoggerFactory.getLogger(BodyReads.class);

    static final int MAX_CONCURRENT = 64;
    static final int MAX_PER_CREDENTIAL = 8;
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final Duration WAIT_FOR_SLOT = Duration.ofMillis(100);

    private final Semaphore slots = new Semaphore(MAX_CONCURRENT);
    /** Per credential (a hash of the credential headers; the request is authenticated by then). */
    private final Map<Integer, Semaphore> perCredential = new ConcurrentHashMap<>();

    /** What reads a body; it may throw {@link IOException} when the client aborts or stalls. */
    @FunctionalInterface
    interface Read {
        byte[] read() throws IOException;
    }

    byte[] read(Context ctx, Read read) {
        Semaphore mine = perCredential.computeIfAbsent(Objects.hash(ctx.header("Authorization"), ctx.header("X-API-Key"),
                        ctx.header("X-Worker-Token")),
                key -> new Semaphore(MAX_PER_CREDENTIAL));
        acquire(mine, "the server is receiving " + MAX_PER_CREDENTIAL + " request bodies with these credentials already");
        try {
            acquire(slots, "the server is receiving " + MAX_CONCURRENT + " request bodies already");
        } catch (HttpResponseException busy) {
            mine.release();
            throw busy;
        }
        try {
            return read.read();
        } catch (IOException e) {
            LOG.info("Request body of {} {} from {} not received: {}", ctx.method(), ctx.path(), ctx.ip(), reason(e));
            throw new HttpResponseException(HttpStatus.REQUEST_TIMEOUT.getCode(),
                    "the request body did not arrive in time or was cut off (" + reason(e) + ")", Map.of());
        } finally {
            slots.release();
            mine.release();
        }
    }

    private static void acquire(Semaphore semaphore, String busy) {
        boolean acquired;
        try {
            acquired = semaphore.tryAcquire(WAIT_FOR_SLOT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            throw new HttpResponseException(HttpStatus.SERVICE_UNAVAILABLE.getCode(), busy + "; retry shortly", Map.of());
        }
    }

    /** The whole stream, refusing more than {@code max} bytes and anything slower than {@link #DEADLINE}. */
    static byte[] readAll(InputStream in, long max) throws IOException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
            if (out.size() > max) {
                throw new ContentTooLargeResponse();
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the body took longer than " + DEADLINE.toSeconds() + " s");
            }
        }
        return out.toByteArray();
    }

    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getClass().getSimpleName() + ": " + t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }
}
