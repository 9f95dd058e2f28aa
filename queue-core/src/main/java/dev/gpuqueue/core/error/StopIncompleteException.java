package dev.gpuqueue.core.error;

/**
 * A job's attempt is not stopped yet: its processes are still there after it was stopped (even
 * SIGKILL did not end them, as with a process stuck in the kernel), or a remote runner has not
 * confirmed the stop in time. The job keeps what it holds until the stop completes.
 */
public final class StopIncompleteException extends ConflictException {
    private static final long serialVersionUID = 1L;

    public StopIncompleteException(String message) {
        super(message);
    }
}
