package dev.gpuqueue.core.error;

/** A runner could not start an attempt. The job is requeued or failed. */
public final class LaunchException extends QueueException {
    private static final long serialVersionUID = 1L;

    public LaunchException(String message) {
        super(message);
    }

    public LaunchException(String message, Throwable cause) {
        super(message, cause);
    }
}
