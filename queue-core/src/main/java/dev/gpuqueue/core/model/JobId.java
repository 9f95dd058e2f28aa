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

    public JobId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw new ValidationException(
                    "invalid job id '" + value + "': use 1 to 64 letters, digits, '-' or '_'");
        }
    }

    /** A fresh random id (16 base-36 characters, about 82 random bits). */
    public static JobId generate() {
        char[] chars = new char[GENERATED_LENGTH];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
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
