package dev.gpuqueue.core.error;

/**
 * Processes of a job are still there after it was stopped (even SIGKILL did not end them, as with a
 * process stuck in the kernel); the job keeps its GPUs until none is left. Try again later.
 */
public final class StopIncompleteException extends ConflictException {
    private static final long serialVersionUID = 1L;

    public StopIncompleteException(String message) {
        super(message);
    }
}
