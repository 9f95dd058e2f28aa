package dev.gpuqueue.core.worker;

import dev.gpuqueue.core.model.Worker;
import dev.gpuqueue.core.model.WorkerStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * A worker as admins and the stats see it: its record, its status now, when it was last heard from
 * (null when not since the orchestrator started), and the attempt it runs (null when none). Immutable.
 */
public record WorkerView(Worker worker, WorkerStatus status, Instant lastSeen, Held job) {
    public WorkerView {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(status, "status");
    }
}
