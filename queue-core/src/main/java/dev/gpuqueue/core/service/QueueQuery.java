package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;

/**
 * A page of {@code GET /api/queue}: one status (null = every active job, then terminal ones with
 * {@code includeCompleted}), {@code limit} 1..200, {@code offset} >= 0; with {@code arrayId}, only
 * that array's jobs, by index (every status unless one is given). Immutable.
 */
public record QueueQuery(JobStatus status, boolean includeCompleted, int limit, int offset, String arrayId) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;

    public QueueQuery {
        checkPage(limit, offset);
        if (arrayId != null) {
            JobId.of(arrayId);
        }
    }

    public QueueQuery(JobStatus status, boolean includeCompleted, int limit, int offset) {
        this(status, includeCompleted, limit, offset, null);
    }

    public static QueueQuery active() {
        return new QueueQuery(null, false, DEFAULT_LIMIT, 0);
    }

    /** One array's jobs, by index. */
    public static QueueQuery array(String arrayId, JobStatus status, int limit, int offset) {
        return new QueueQuery(status, true, limit, offset, arrayId);
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
