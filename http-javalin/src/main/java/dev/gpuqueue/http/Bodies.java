package dev.gpuqueue.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuqueue.core.error.ValidationException;
import io.javalin.http.ContentTooLargeResponse;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** Reads JSON request bodies with the API's mapper, refusing empty, oversized, slow and malformed ones. */
final class Bodies {
    private final ObjectMapper mapper;
    private final BodyReads reads;

    Bodies(ObjectMapper mapper, BodyReads reads) {
        this.mapper = mapper;
        this.reads = reads;
    }

    <T> T read(Context ctx, Class<T> type) {
        String body = text(ctx);
        try {
            T value = mapper.readValue(body, type);
            if (value == null) {
                throw new ValidationException("the body must be a JSON object, not null");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new ValidationException(ApiErrors.describe(e));
        }
    }

    /** A JSON object as a map, keeping the difference between a missing key and a null value. */
    @SuppressWarnings("unchecked")
    Map<String, Object> object(Context ctx) {
        String body = text(ctx);
        Object value;
        try {
            value = mapper.readValue(body, Object.class);
        } catch (JsonProcessingException e) {
            throw new ValidationException(ApiErrors.describe(e));
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new ValidationException("the body must be a JSON object");
        }
        return (Map<String, Object>) map;
    }

    /** Beyond this, an oversized body is not read to its end; the connection is simply closed. */
    private static final long MAX_DRAIN_BYTES = 16L << 20;
    /** And not for longer than this, so a client announcing a huge body and trickling it holds no slot for long. */
    private static final Duration DRAIN_TIME = Duration.ofSeconds(2);

    /**
     * The body as text, read under the bound on concurrent body reads and within
     * {@link BodyReads#DEADLINE}; empty, oversized and aborted bodies are refused.
     */
    private String text(Context ctx) {
        byte[] body = reads.read(ctx, () -> {
            if (ctx.contentLength() > HttpApi.MAX_BODY_BYTES) {
                drain(ctx);
                throw new ContentTooLargeResponse();
            }
            return BodyReads.readAll(ctx.req().getInputStream(), HttpApi.MAX_BODY_BYTES);
        });
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            throw new ValidationException("a JSON body is required");
        }
        return text;
    }

    /**
     * Reads and discards the rest of an oversized body (up to 16 MiB, for up to 2 s), so the client,
     * still sending it, receives the 413 instead of a reset connection.
     */
    private static void drain(Context ctx) {
        byte[] buffer = new byte[64 * 1024];
        long drained = 0;
        long deadline = System.nanoTime() + DRAIN_TIME.toNanos();
        try (InputStream in = ctx.req().getInputStream()) {
            for (int n; drained < MAX_DRAIN_BYTES && System.nanoTime() < deadline && (n = in.read(buffer)) > 0; ) {
                drained += n;
            }
        } catch (IOException e) {
            // the client gave up; the 413 still goes out if it can
        }
    }
}
