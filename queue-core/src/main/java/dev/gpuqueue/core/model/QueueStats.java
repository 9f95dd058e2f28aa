package dev.gpuqueue.core.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The queue's statistics ({@code GET /api/queue/stats}). Immutable.
 *
 * @param queueDepth all pending jobs (blocked not counted)
 * @param running all running jobs, of every kind
 * @param settings the limits in force
 * @param avgWaitSeconds mean of {@code started_at - queued_at} over jobs started in the last 24 h, or null
 * @param byStatus job counts per status (every status present, zero included)
 * @param byUser active (pending, blocked, running) jobs per user id
 * @param local the local GPU picture
 */
public record QueueStats(
        long queueDepth,
        long running,
        QueueSettings settings,
        Double avgWaitSeconds,
        Map<JobStatus, Long> byStatus,
        Map<Long, Long> byUser,
        Local local) {

    public QueueStats {
        Objects.requireNonNull(settings, "settings");
        byStatus = Map.copyOf(byStatus);
        byUser = Map.copyOf(byUser);
        Objects.requireNonNull(local, "local");
    }

    /**
     * Local jobs and GPUs.
     *
     * @param runningJobs running jobs that hold local GPUs
     * @param pendingJobs pending jobs with target local or auto
     * @param allocatedGpus GPU indices held by running jobs
     * @param availableGpus GPU indices free now
     * @param totalGpus GPUs in the inventory
     * @param maxConcurrentGpus {@code local_gpu_max_concurrent} (null = unlimited)
     * @param maxConcurrentJobs {@code local_job_max_concurrent}
     */
    public record Local(
            long runningJobs,
            long pendingJobs,
            List<Integer> allocatedGpus,
            List<Integer> availableGpus,
            int totalGpus,
            Integer maxConcurrentGpus,
            int maxConcurrentJobs) {
        public Local {
            allocatedGpus = List.copyOf(allocatedGpus);
            availableGpus = List.copyOf(availableGpus);
        }
    }
}
