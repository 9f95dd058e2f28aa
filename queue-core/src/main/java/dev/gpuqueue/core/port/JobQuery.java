package dev.gpuqueue.core.port;

import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobStatus;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which jobs to list and in what order: any of {@code statuses} (empty = all), optionally only one
 * user's, one page of {@code limit} (1..10,000) from {@code offset}. Immutable.
 */
public record JobQuery(Set<JobStatus> statuses, Long userId, Order order, int limit, int offset) {

    /** Listing orders; ties are broken by the submit sequence. */
    public enum Order {
        /** Most recently submitted first (submit sequence descending). */
        NEWEST_FIRST,
        /** Most recently completed first ({@code completed_at} descending), for terminal jobs. */
        RECENTLY_COMPLETED_FIRST
    }

    public static final int MAX_LIMIT = 10_000;

    public JobQuery {
        statuses = statuses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(statuses));
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new LimitOutOfRangeException("limit", limit, "between 1 and " + MAX_LIMIT);
        }
        if (offset < 0) {
            throw new LimitOutOfRangeException("offset", offset, ">= 0");
        }
    }

    /** Every job, newest first, up to {@link #MAX_LIMIT}. */
    public static JobQuery all() {
        return new JobQuery(Set.of(), null, Order.NEWEST_FIRST, MAX_LIMIT, 0);
    }

    public boolean matches(Job job) {
        return (statuses.isEmpty() || statuses.contains(job.status())) && (userId == null || job.userId() == userId);
    }
}
