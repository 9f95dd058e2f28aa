package dev.gpuqueue.core.error;

/**
 * The store cannot serve the request now (database busy or locked past its timeout, disk full,
 * file unreadable). Nothing was changed; retrying later may succeed (HTTP 503).
 */
public class StoreUnavailableException extends QueueException {
    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
