package dev.gpuqueue.core.error;

/** The caller's level or ownership does not allow the action (HTTP 403). */
public final class PermissionDeniedException extends QueueException {
    private static final long serialVersionUID = 1L;

    public PermissionDeniedException(String message) {
        super(message);
    }
}
