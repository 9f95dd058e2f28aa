package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.JobStatus;

/**
 * A page of {@code GET /api/jobs}: every status unless one is given, optionally one user's jobs,
 * newest first, {@code limit} 1..200, {@code offset} >= 0. Immutable.
 */
public record JobsQuery(JobStatus status, Long userId, int limit, int offset) {
    public JobsQuery {
        QueueQuery.checkPage(limit, offset);
    }

    public static JobsQuery firstPage() {
        return new JobsQuery(null, null, QueueQuery.DEFAULT_LIMIT, 0);
    }
}
