package dev.gpuqueue.core.error;

/** The request is well formed but the job's current state does not allow it (HTTP 409). */
public class ConflictException extends QueueException {
    private static final long serialVersionUID = 1L;

    public ConflictException(String message) {
        super(message);
    }
}
