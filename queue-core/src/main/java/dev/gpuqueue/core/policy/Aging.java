package dev.gpuqueue.core.policy;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueSettings;
import java.time.Duration;
import java.time.Instant;

/**
 * Starvation prevention: a pending job gains {@code starvation_boost} for every full
 * {@code starvation_threshold_minutes} it has been pending, capped at {@code starvation_max_boost}.
 * Stateless.
 */
public final class Aging {
    private Aging() {}

    /** The aging boost of {@code job} at {@code now}; 0 unless the job is pending. */
    public static int boost(Job job, QueueSettings settings, Instant now) {
        if (job.status() != JobStatus.PENDING || job.agingSince() == null) {
            return 0;
        }
        return boost(Duration.between(job.agingSince(), now), settings);
    }

    /** The boost earned by waiting {@code waited}. */
    public static int boost(Duration waited, QueueSettings settings) {
        if (waited.isNegative() || settings.starvationBoost() == 0) {
            return 0;
        }
        long steps = waited.toMillis() / (settings.starvationThresholdMinutes() * 60_000L);
        long capSteps = settings.starvationMaxBoost() / settings.starvationBoost() + 1;
        return (int) Math.min(Math.min(steps, capSteps) * settings.starvationBoost(), settings.starvationMaxBoost());
    }
}
