package dev.gpuqueue.core.error;

/** Something a request names does not exist (HTTP 404). */
public class NotFoundException extends QueueException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message);
    }
}
