package dev.gpuqueue.core.policy;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * Wait-time figures over the last 24 hours: the average wait of started jobs, the median run time
 * of completed jobs, and the estimated wait of a pending job at a given position. Stateless.
 */
public final class WaitTimes {
    /** The window the statistics look back over. */
    public static final Duration WINDOW = Duration.ofHours(24);

    private WaitTimes() {}

    /** Mean of {@code started_at - queued_at} over jobs started in the last 24 h, or null when none. */
    public static Double averageWaitSeconds(Collection<Job> jobs, Instant now) {
        Instant since = now.minus(WINDOW);
        long count = 0;
        long totalMillis = 0;
        for (Job job : jobs) {
            Instant started = job.startedAt();
            if (started != null && !started.isBefore(since) && !started.isAfter(now)) {
                totalMillis += Math.max(0, Duration.between(job.queuedAt(), started).toMillis());
                count++;
            }
        }
        return count == 0 ? null : totalMillis / 1000.0 / count;
    }

    /** Median of {@code completed_at - started_at} over jobs completed in the last 24 h, or null when none. */
    public static Duration medianRunTime(Collection<Job> jobs, Instant now) {
        Instant since = now.minus(WINDOW);
        List<Duration> runs = new ArrayList<>();
        for (Job job : jobs) {
            if (job.status() == JobStatus.COMPLETED && job.startedAt() != null
                    && !job.completedAt().isBefore(since) && !job.completedAt().isAfter(now)) {
                runs.add(Duration.between(job.startedAt(), job.completedAt()));
            }
        }
        return median(runs);
    }

    /** The median of {@code durations} (mean of the middle two for an even count), or null when empty. */
    public static Duration median(List<Duration> durations) {
        if (durations.isEmpty()) {
            return null;
        }
        List<Duration> sorted = new ArrayList<>(durations);
        Collections.sort(sorted);
        int mid = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(mid) : sorted.get(mid - 1).plus(sorted.get(mid)).dividedBy(2);
    }

    /**
     * {@code ceil(position / max_concurrent) × median run time}, in seconds; null when no job
     * completed in the last 24 h ({@code medianRunTime} null) or the job is not pending ({@code position} null).
     */
    public static Double estimatedWaitSeconds(Integer position, int maxConcurrent, Duration medianRunTime) {
        if (position == null || medianRunTime == null) {
            return null;
        }
        long rounds = (position + maxConcurrent - 1) / maxConcurrent;
        return rounds * medianRunTime.toMillis() / 1000.0;
    }
}
