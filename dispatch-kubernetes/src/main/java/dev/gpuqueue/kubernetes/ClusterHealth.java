package dev.gpuqueue.kubernetes;

import dev.gpuqueue.core.error.RunnerUnavailableException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
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
    /** What fabric8 says around every failure, telling nothing. */
    private static final String GENERIC_MESSAGE = "An error has occurred.";

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

    /** Asks the API server now (bounded by the client's timeouts): why it cannot take jobs, empty when it answered. */
    Optional<String> problemNow() {
        return Optional.ofNullable(probeNow().problem());
    }

    /** A call to the API server succeeded. */
    void answered() {
        last = new Seen(nanoTime.getAsLong(), null);
    }

    /** A call to the API server failed to reach it. */
    void unreachable(Throwable failure) {
        last = new Seen(nanoTime.getAsLong(), describe(failure));
    }

    /** "cannot reach the Kubernetes API server at URL (what failed)", in the most telling words the failure has. */
    String describe(Throwable failure) {
        return "cannot reach the Kubernetes API server at " + apiServer + " (" + why(failure) + ")";
    }

    /** The innermost failure message beyond fabric8's generic one; the JDK's messageless network failures named. */
    private static String why(Throwable failure) {
        String message = null;
        String named = null;
        Throwable root = failure;
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            root = cause;
            if (cause.getMessage() != null && !cause.getMessage().equals(GENERIC_MESSAGE)) {
                message = cause.getClass().getSimpleName() + ": " + cause.getMessage();
            } else if (cause instanceof UnresolvedAddressException || cause instanceof UnknownHostException) {
                named = "unknown host";
            } else if (cause instanceof ConnectException && named == null) {
                named = "connection refused";
            } else if (cause instanceof HttpTimeoutException) {
                named = "timed out";
            }
        }
        return message != null ? message : named != null ? named : root.getClass().getSimpleName();
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
