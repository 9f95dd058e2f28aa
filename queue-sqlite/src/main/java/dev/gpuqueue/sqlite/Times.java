package dev.gpuqueue.sqlite;

import java.time.Instant;

/** Instants as integer epoch microseconds: they sort in time order, unlike ISO text. Stateless. */
final class Times {
    private static final long MICROS_PER_SECOND = 1_000_000L;

    private Times() {}

    static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), MICROS_PER_SECOND), instant.getNano() / 1_000);
    }

    static Long micros(Instant instant, boolean nullable) {
        return instant == null ? null : micros(instant);
    }

    static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, MICROS_PER_SECOND), Math.floorMod(micros, MICROS_PER_SECOND) * 1_000);
    }

    /** {@code instant} as the database will return it (truncated to microseconds). */
    static Instant truncate(Instant instant) {
        return instant == null ? null : instant(micros(instant));
    }
}
