package dev.gpuqueue.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The queue's tunable limits, with their defaults. Immutable; the constructor checks every field
 * against the {@link Setting} table, so an invalid settings value cannot exist.
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
 * @param userMaxPending waiting (pending or blocked) jobs one user may have, 1..100000, or null for unlimited (default)
 * @param enableBackfill whether a job with a time limit may start beside a local head waiting for GPUs when it
 *     ends before the head can start (default true)
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
        Double approvalCostThreshold,
        Integer userMaxPending,
        boolean enableBackfill) {

    public static final QueueSettings DEFAULTS = new QueueSettings(5, 2, 10, false, 1, null, 60, 10, 30, null, null,
            true);

    public QueueSettings {
        Setting.MAX_CONCURRENT.parse(maxConcurrent);
        Setting.USER_MAX_CONCURRENT.parse(userMaxConcurrent);
        Setting.TEAM_MAX_CONCURRENT.parse(teamMaxConcurrent);
        Setting.LOCAL_JOB_MAX_CONCURRENT.parse(localJobMaxConcurrent);
        Setting.LOCAL_GPU_MAX_CONCURRENT.parse(localGpuMaxConcurrent);
        Setting.STARVATION_THRESHOLD_MINUTES.parse(starvationThresholdMinutes);
        Setting.STARVATION_BOOST.parse(starvationBoost);
        Setting.STARVATION_MAX_BOOST.parse(starvationMaxBoost);
        Setting.APPROVAL_COST_THRESHOLD.parse(approvalCostThreshold);
        Setting.USER_MAX_PENDING.parse(userMaxPending);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Every setting by wire name, in the table's order. */
    public Map<String, Object> asMap() {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Setting setting : Setting.values()) {
            values.put(setting.wireName(), setting.get(this));
        }
        return Collections.unmodifiableMap(values);
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
        private Integer userMaxPending;
        private boolean enableBackfill;

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
            userMaxPending = from.userMaxPending;
            enableBackfill = from.enableBackfill;
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
        public Builder userMaxPending(Integer v) { userMaxPending = v; return this; }
        public Builder enableBackfill(boolean v) { enableBackfill = v; return this; }

        /** Sets one setting by its table entry (the value is checked like a request's). */
        public Builder set(Setting setting, Object value) {
            setting.set(this, value);
            return this;
        }

        public QueueSettings build() {
            return new QueueSettings(maxConcurrent, userMaxConcurrent, teamMaxConcurrent, enableFairShare,
                    localJobMaxConcurrent, localGpuMaxConcurrent, starvationThresholdMinutes, starvationBoost,
                    starvationMaxBoost, approvalCostThreshold, userMaxPending, enableBackfill);
        }
    }
}
