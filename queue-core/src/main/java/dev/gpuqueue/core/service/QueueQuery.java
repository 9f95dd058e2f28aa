package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.model.JobStatus;

/**
 * A page of {@code GET /api/queue}: one status (null = every active job, then terminal ones with
 * {@code includeCompleted}), {@code limit} 1..200, {@code offset} >= 0. Immutable.
 */
public record QueueQuery(JobStatus status, boolean includeCompleted, int limit, int offset) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;

    public QueueQuery {
        checkPage(limit, offset);
    }

    public static QueueQuery active() {
        return new QueueQuery(null, false, DEFAULT_LIMIT, 0);
    }

    static void checkPage(int limit, int offset) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new LimitOutOfRangeException("limit", limit, "between 1 and " + MAX_LIMIT);
        }
        if (offset < 0) {
            throw new LimitOutOfRangeException("offset", offset, ">= 0");
        }
    }
}
