package dev.gpuqueue.core.error;

/**
 * A change that is allowed but drastic was asked for without its explicit confirmation (removing
 * the very last user, which turns authentication off). Adapters say how to confirm.
 */
public final class ConfirmationRequiredException extends ConflictException {
    private static final long serialVersionUID = 1L;

    public ConfirmationRequiredException(String message) {
        super(message);
    }
}
