package dev.gpuqueue.core.error;

/**
 * A runner cannot take jobs now (its cluster's API server cannot be reached, say). Nothing was
 * changed; retrying later may succeed (HTTP 503).
 */
public class RunnerUnavailableException extends QueueException {
    private static final long serialVersionUID = 1L;

    public RunnerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
