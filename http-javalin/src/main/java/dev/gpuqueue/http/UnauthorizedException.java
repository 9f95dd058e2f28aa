package dev.gpuqueue.http;

import dev.gpuqueue.core.error.QueueException;

/** Missing or unknown credentials (HTTP 401 with {@code WWW-Authenticate: Bearer}). */
public final class UnauthorizedException extends QueueException {
    private static final long serialVersionUID = 1L;

    public UnauthorizedException(String message) {
        super(message);
    }
}
