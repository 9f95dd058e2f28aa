package dev.gpuqueue.core.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** From one instant to another: how long a job waited (queued → started) or ran (started → completed). */
public record TimeSpan(Instant start, Instant end) {
    public TimeSpan {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
    }

    /** The length, never negative (a clock that stepped back counts as no time). */
    public Duration length() {
        Duration length = Duration.between(start, end);
        return length.isNegative() ? Duration.ZERO : length;
    }
}
