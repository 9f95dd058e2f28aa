package dev.gpuqueue.core.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * The one way tests wait for something another thread or process does: poll a condition every
 * {@value #POLL_MILLIS} ms until it holds, and fail with what was awaited once the deadline passes.
 * Use it only where the work really is asynchronous; a {@link MutableClock} or a direct
 * {@code runOnce()} is better wherever the test owns the timing.
 */
public final class Await {
    static final long POLL_MILLIS = 20;

    private Await() {}

    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("gave up after " + timeout.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
