package dev.gpuqueue.core.model;

import dev.gpuqueue.core.error.LimitOutOfRangeException;

/**
 * The queue's tunable limits, with their defaults and allowed ranges. Immutable; the constructor
 * rejects any out-of-range field, so an invalid settings value cannot exist.
 *
 * @param maxConcurrent running jobs of every kind, 1..100 (default 5)
 * @param userMaxConcurrent running jobs per user, 1..20 (default 2)
 * @param teamMaxConcurrent running jobs per team when fair share is on, 1..50 (default 10)
 * @param enableFairShare whether the team limit applies (default false)
 * @param localJobMaxConcurrent running jobs on the local GPUs, 1..10 (default 1)
 * @param localGpuMaxConcurrent GPUs held by running local jobs, >= 1, or null for unlimited (default)
 * @param starvationThresholdMinutes minutes of waiting per aging step, 1..10080 (default 60)
 * @param starvationBoost priority gained per aging step, 0..50 (default 10)
 * @param starvationMaxBoost cap on the total aging boost, 0..100 (default 30)
 * @param approvalCostThreshold jobs whose estimated cost exceeds it need approval; >= 0, or null for off (default)
 */
public record QueueSettings(
        int maxConcurrent,
        int userMaxConcurrent,
        int teamMaxConcurrent,
        boolean enableFairShare,
        int localJobMaxConcurrent,
        Integer localGpuMaxConcurrent,
        int starvationThresholdMinutes,
        int starvationBoost,
        int starvationMaxBoost,
        Double approvalCostThreshold) {

    public static final QueueSettings DEFAULTS = new QueueSettings(5, 2, 10, false, 1, null, 60, 10, 30, null);

    public QueueSettings {
        checkRange("max_concurrent", maxConcurrent, 1, 100);
        checkRange("user_max_concurrent", userMaxConcurrent, 1, 20);
        checkRange("team_max_concurrent", teamMaxConcurrent, 1, 50);
        checkRange("local_job_max_concurrent", localJobMaxConcurrent, 1, 10);
        if (localGpuMaxConcurrent != null && localGpuMaxConcurrent < 1) {
            throw new LimitOutOfRangeException(
                    "local_gpu_max_concurrent", localGpuMaxConcurrent, ">= 1, or null for unlimited");
        }
        checkRange("starvation_threshold_minutes", starvationThresholdMinutes, 1, 10_080);
        checkRange("starvation_boost", starvationBoost, 0, 50);
        checkRange("starvation_max_boost", starvationMaxBoost, 0, 100);
        if (approvalCostThreshold != null && (!(approvalCostThreshold >= 0) || approvalCostThreshold.isInfinite())) {
            throw new LimitOutOfRangeException(
                    "approval_cost_threshold", approvalCostThreshold, "a finite number >= 0, or null for off");
        }
    }

    private static void checkRange(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new LimitOutOfRangeException(field, value, "between " + min + " and " + max);
        }
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Copies settings field by field; {@link #build()} validates them all at once. Not thread-safe. */
    public static final class Builder {
        private int maxConcurrent;
        private int userMaxConcurrent;
        private int teamMaxConcurrent;
        private boolean enableFairShare;
        private int localJobMaxConcurrent;
        private Integer localGpuMaxConcurrent;
        private int starvationThresholdMinutes;
        private int starvationBoost;
        private int starvationMaxBoost;
        private Double approvalCostThreshold;

        private Builder(QueueSettings from) {
            maxConcurrent = from.maxConcurrent;
            userMaxConcurrent = from.userMaxConcurrent;
            teamMaxConcurrent = from.teamMaxConcurrent;
            enableFairShare = from.enableFairShare;
            localJobMaxConcurrent = from.localJobMaxConcurrent;
            localGpuMaxConcurrent = from.localGpuMaxConcurrent;
            starvationThresholdMinutes = from.starvationThresholdMinutes;
            starvationBoost = from.starvationBoost;
            starvationMaxBoost = from.starvationMaxBoost;
            approvalCostThreshold = from.approvalCostThreshold;
        }

        public Builder maxConcurrent(int v) { maxConcurrent = v; return this; }
        public Builder userMaxConcurrent(int v) { userMaxConcurrent = v; return this; }
        public Builder teamMaxConcurrent(int v) { teamMaxConcurrent = v; return this; }
        public Builder enableFairShare(boolean v) { enableFairShare = v; return this; }
        public Builder localJobMaxConcurrent(int v) { localJobMaxConcurrent = v; return this; }
        public Builder localGpuMaxConcurrent(Integer v) { localGpuMaxConcurrent = v; return this; }
        public Builder starvationThresholdMinutes(int v) { starvationThresholdMinutes = v; return this; }
        public Builder starvationBoost(int v) { starvationBoost = v; return this; }
        public Builder starvationMaxBoost(int v) { starvationMaxBoost = v; return this; }
        public Builder approvalCostThreshold(Double v) { approvalCostThreshold = v; return this; }

        public QueueSettings build() {
            return new QueueSettings(maxConcurrent, userMaxConcurrent, teamMaxConcurrent, enableFairShare,
                    localJobMaxConcurrent, localGpuMaxConcurrent, starvationThresholdMinutes, starvationBoost,
                    starvationMaxBoost, approvalCostThreshold);
        }
    }
}
