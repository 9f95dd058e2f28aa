package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.PendingReason;

/**
 * Where a job stands ({@code GET /api/queue/position/{id}}): position, reason and estimated wait
 * are null unless the job is pending. Immutable.
 */
public record PositionInfo(
        Job job, int effectivePriority, Integer position, PendingReason pendingReason, Double estimatedWaitSeconds) {}
