package dev.gpuqueue.core.policy;

import dev.gpuqueue.core.model.TimeSpan;
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

    /** Mean length of the waits that ended (the job started) in the last 24 h, in seconds; null when none. */
    public static Double averageWaitSeconds(Collection<TimeSpan> waits, Instant now) {
        Instant since = now.minus(WINDOW);
        long count = 0;
        long totalMillis = 0;
        for (TimeSpan wait : waits) {
            if (!wait.end().isBefore(since) && !wait.end().isAfter(now)) {
                totalMillis += wait.length().toMillis();
                count++;
            }
        }
        return count == 0 ? null : totalMillis / 1000.0 / count;
    }

    /** Median length of the runs of completed jobs that ended in the last 24 h; null when none. */
    public static Duration medianRunTime(Collection<TimeSpan> runs, Instant now) {
        Instant since = now.minus(WINDOW);
        List<Duration> lengths = new ArrayList<>();
        for (TimeSpan run : runs) {
            if (!run.end().isBefore(since) && !run.end().isAfter(now)) {
                lengths.add(run.length());
            }
        }
        return median(lengths);
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
