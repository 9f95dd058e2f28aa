package dev.gpuqueue.core.policy;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * One aging band: the pending jobs whose aging start lies in {@code (after, atOrBefore]} (a null
     * end is open) all gain the same {@code boost} at the moment the bands were computed. Immutable.
     */
    public record Band(int boost, Instant after, Instant atOrBefore) {
        public boolean contains(Instant agingSince) {
            return (after == null || agingSince.isAfter(after)) && (atOrBefore == null || !agingSince.isAfter(atOrBefore));
        }
    }

    /**
     * The aging bands at {@code now}, from no boost to the cap. Aging is a step function of waiting
     * time, so there are at most {@code starvation_max_boost / starvation_boost + 1} bands; within a
     * band, dispatch order is {@code (override ?? base) desc, queued_at, seq}, which a store can
     * read from one index, merging the bands in memory.
     */
    public static List<Band> bands(QueueSettings settings, Instant now) {
        int step = settings.starvationBoost();
        int cap = settings.starvationMaxBoost();
        if (step == 0 || cap == 0) {
            return List.of(new Band(0, null, null));
        }
        Duration threshold = Duration.ofMinutes(settings.starvationThresholdMinutes());
        int steps = (cap + step - 1) / step;
        List<Band> bands = new ArrayList<>();
        for (int k = 0; k <= steps; k++) {
            Instant atOrBefore = k == 0 ? null : now.minus(threshold.multipliedBy(k));
            Instant after = k == steps ? null : now.minus(threshold.multipliedBy(k + 1L));
            bands.add(new Band(Math.min(k * step, cap), after, atOrBefore));
        }
        return bands;
    }
}
