package dev.gpuqueue.kubernetes;

import dev.gpuqueue.core.error.RunnerUnavailableException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Whether the cluster's API server answers, as last seen: by a probe (a {@code /version} request)
 * at most every few seconds, and by every call the runner makes. Scheduling passes read the last
 * answer without waiting ({@link #problem()}); a submit that needs a fresh answer waits for one
 * probe, bounded by the client's timeouts ({@link #require()}). Thread-safe.
 */
final class ClusterHealth {
    static final Duration FRESH_FOR = Duration.ofSeconds(10);

    private final String apiServer;
    private final Runnable probe;
    private final Executor background;
    private final LongSupplier nanoTime;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile Seen last;

    /** What the last probe or call found: {@code problem} null when the server answered. */
    private record Seen(long atNanos, String problem) {}

    /** {@code probe}: one request to the API server that throws when it cannot be reached. */
    ClusterHealth(String apiServer, Runnable probe, Executor background, LongSupplier nanoTime) {
        this.apiServer = apiServer;
        this.probe = probe;
        this.background = background;
        this.nanoTime = nanoTime;
    }

    /** Why the cluster cannot take jobs, as last seen (empty when it answered, or was never asked); refreshes in the background. */
    Optional<String> problem() {
        Seen seen = last;
        if (seen == null || isStale(seen)) {
            refreshInBackground();
        }
        return seen == null ? Optional.empty() : Optional.ofNullable(seen.problem());
    }

    /**
     * Returns when the API server answered recently (probing it now if the last answer is old).
     *
     * @throws RunnerUnavailableException naming the API server and what failed
     */
    void require() {
        Seen seen = last;
        if (seen == null || isStale(seen)) {
            seen = probeNow();
        }
        if (seen.problem() != null) {
            throw new RunnerUnavailableException(seen.problem() + "; nothing was submitted, try again once the cluster"
                    + " answers", null);
        }
    }

    /** A call to the API server succeeded. */
    void answered() {
        last = new Seen(nanoTime.getAsLong(), null);
    }

    /** A call to the API server failed to reach it. */
    void unreachable(Throwable failure) {
        last = new Seen(nanoTime.getAsLong(), describe(failure));
    }

    /** "cannot reach the Kubernetes API server at URL: what failed". */
    String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String why = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return "cannot reach the Kubernetes API server at " + apiServer + " (" + why + ")";
    }

    private boolean isStale(Seen seen) {
        return nanoTime.getAsLong() - seen.atNanos() > FRESH_FOR.toNanos();
    }

    private Seen probeNow() {
        try {
            probe.run();
            answered();
        } catch (RuntimeException e) {
            unreachable(e);
        }
        return last;
    }

    private void refreshInBackground() {
        if (probing.compareAndSet(false, true)) {
            try {
                background.execute(() -> {
                    try {
                        probeNow();
                    } finally {
                        probing.set(false);
                    }
                });
            } catch (RuntimeException rejected) {
                probing.set(false);
            }
        }
    }
}
