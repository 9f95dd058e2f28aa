package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.JobId;
import java.util.List;

/** What a cleanup removed. Immutable. */
public record CleanupResult(int days, List<JobId> deleted) {
    public CleanupResult {
        deleted = List.copyOf(deleted);
    }
}
