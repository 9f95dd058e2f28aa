package dev.gpuqueue.core.port;

/**
 * How an attempt ended, as its runner saw it: an exit code (0 = success), or a failure described in
 * words when there is no exit code (a cloud provider's error, say). Immutable.
 */
public record AttemptOutcome(Integer exitCode, String failure) {

    public AttemptOutcome {
        if (exitCode == null && (failure == null || failure.isBlank())) {
            throw new IllegalArgumentException("an outcome needs an exit code or a failure message");
        }
    }

    public static AttemptOutcome exited(int exitCode) {
        return new AttemptOutcome(exitCode, null);
    }

    public static AttemptOutcome succeeded() {
        return exited(0);
    }

    public static AttemptOutcome failed(String message) {
        return new AttemptOutcome(null, message);
    }

    public boolean success() {
        return exitCode != null && exitCode == 0 && failure == null;
    }

    /** The job's {@code error_message} for this outcome; null on success. */
    public String errorMessage() {
        if (success()) {
            return null;
        }
        if (failure != null) {
            return failure;
        }
        return exitCode > 128 && exitCode < 160
                ? "exited with code " + exitCode + " (signal " + (exitCode - 128) + ")"
                : "exited with code " + exitCode;
    }
}
