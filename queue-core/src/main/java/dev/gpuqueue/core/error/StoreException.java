package dev.gpuqueue.core.error;

/**
 * The store cannot be used as it is: the file is not a database or is corrupt, its schema is newer
 * than this version understands, or its directory cannot be written. Retrying will not help; the
 * message names the path and what to do.
 */
public class StoreException extends QueueException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
