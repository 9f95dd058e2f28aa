package dev.gpuqueue.core.model;

import dev.gpuqueue.core.error.ValidationException;
import java.security.SecureRandom;
import java.util.regex.Pattern;

/** A job's identifier: URL-safe, unique, never reused. Immutable. */
public record JobId(String value) {
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final int GENERATED_LENGTH = 16;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The largest multiple of the alphabet's size that a byte can hold. */
    private static final int UNBIASED_BELOW = 256 / 36 * 36;

    public JobId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw new ValidationException(
                    "invalid job id '" + value + "': use 1 to 64 letters, digits, '-' or '_'");
        }
    }

    /** A fresh random id (16 base-36 characters, about 82 random bits), from one draw of random bytes. */
    public static JobId generate() {
        char[] chars = new char[GENERATED_LENGTH];
        byte[] random = new byte[2 * GENERATED_LENGTH];
        int filled = 0;
        while (filled < chars.length) {
            RANDOM.nextBytes(random);
            for (int i = 0; i < random.length && filled < chars.length; i++) {
                int value = random[i] & 0xFF;
                if (value < UNBIASED_BELOW) { // every character equally likely
                    chars[filled++] = ALPHABET[value % ALPHABET.length];
                }
            }
        }
        return new JobId(new String(chars));
    }

    public static JobId of(String value) {
        return new JobId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
