package dev.gpuqueue.core.error;

/** A value given by a caller is malformed or out of its allowed range; nothing was changed. */
public class ValidationException extends QueueException {
    private static final long serialVersionUID = 1L;

    public ValidationException(String message) {
        super(message);
    }
}
