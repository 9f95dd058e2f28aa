package dev.gpuqueue.core.port;

/**
 * Where an attempt stands as its runner sees it now: still running, ended (with its exit code), or
 * gone without a trace (nothing tells how it ended). Immutable.
 */
public record AttemptState(Kind kind, Integer exitCode) {

    /** Which of the three. */
    public enum Kind { RUNNING, ENDED, GONE }

    public static final AttemptState RUNNING = new AttemptState(Kind.RUNNING, null);
    public static final AttemptState GONE = new AttemptState(Kind.GONE, null);

    public AttemptState {
        if ((kind == Kind.ENDED) != (exitCode != null)) {
            throw new IllegalArgumentException("an ended attempt, and only that, has an exit code");
        }
    }

    public static AttemptState ended(int exitCode) {
        return new AttemptState(Kind.ENDED, exitCode);
    }
}
