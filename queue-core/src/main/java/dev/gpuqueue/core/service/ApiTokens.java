package dev.gpuqueue.core.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * API tokens: 256 random bits, URL-safe, prefixed {@code gq_} so they are easy to spot in a leak;
 * stored only as their SHA-256 hash. Thread-safe.
 */
public final class ApiTokens {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PREFIX = "gq_";

    private ApiTokens() {}

    /** A new user token, to be shown once to its owner and never stored. */
    public static String generate() {
        return generate(PREFIX);
    }

    /** A new token starting with {@code prefix} (a worker's is {@code gqw_}), never stored. */
    public static String generate(String prefix) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The hex SHA-256 of {@code token}: what the user directory stores and looks up. */
    public static String hash(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Compares two hashes in time independent of where they differ. */
    public static boolean sameHash(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }
}
