package dev.gpuqueue.core.port;

import java.time.Instant;

/**
 * Whether a store can be written now, as far as it can tell without waiting: {@code ok}, or the
 * problem in words and since when it was seen. Immutable.
 */
public record StoreHealth(boolean ok, String problem, Instant since) {

    public static final StoreHealth OK = new StoreHealth(true, null, null);

    public static StoreHealth failing(String problem, Instant since) {
        return new StoreHealth(false, problem, since);
    }
}
