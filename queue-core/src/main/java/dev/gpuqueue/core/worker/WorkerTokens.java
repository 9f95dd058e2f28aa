package dev.gpuqueue.core.worker;

import dev.gpuqueue.core.service.ApiTokens;

/**
 * Worker tokens: like user tokens (256 random bits, stored only as their SHA-256 hash) but prefixed
 * {@code gqw_}, so one is never mistaken for the other, by people or by the API. Stateless.
 */
public final class WorkerTokens {
    public static final String PREFIX = "gqw_";

    private WorkerTokens() {}

    static String generate() {
        return ApiTokens.generate(PREFIX);
    }

    static String hash(String token) {
        return ApiTokens.hash(token);
    }

    /** Whether {@code token} looks like a worker token (for a clear error when one is sent as a user token). */
    public static boolean looksLikeOne(String token) {
        return token != null && token.strip().startsWith(PREFIX);
    }
}
