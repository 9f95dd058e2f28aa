package dev.gpuqueue.core.port;

/**
 * Where an attempt stands as its runner sees it now: still running, ended (with its outcome: an exit
 * code, or a failure in words), or gone without a trace (nothing tells how it ended). Immutable.
 */
public record AttemptState(Kind kind, AttemptOutcome outcome) {

    /** Which of the three. */
    public enum Kind { RUNNING, ENDED, GONE }

    public static final AttemptState RUNNING = new AttemptState(Kind.RUNNING, null);
    public static final AttemptState GONE = new AttemptState(Kind.GONE, null);

    public AttemptState {
        if ((kind == Kind.ENDED) != (outcome != null)) {
            throw new IllegalArgumentException("an ended attempt, and only that, has an outcome");
        }
    }

    public static AttemptState ended(int exitCode) {
        return ended(AttemptOutcome.exited(exitCode));
    }

    public static AttemptState ended(AttemptOutcome outcome) {
        return new AttemptState(Kind.ENDED, outcome);
    }
}
