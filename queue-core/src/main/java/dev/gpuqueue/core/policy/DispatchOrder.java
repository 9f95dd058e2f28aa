package dev.gpuqueue.core.policy;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * The one order in which pending jobs are considered, shown and positioned: effective priority
 * ({@code (override ?? base) + aging}) descending, then {@code queued_at} ascending, then the submit
 * sequence ascending. Stateless.
 */
public final class DispatchOrder {
    private DispatchOrder() {}

    /** {@code (override ?? base) + aging boost}; the boost applies only to pending jobs. */
    public static int effectivePriority(Job job, QueueSettings settings, Instant now) {
        return job.basePriorityOrOverride() + Aging.boost(job, settings, now);
    }

    /** What dispatch order compares: the effective priority, {@code queued_at} and the submit sequence. */
    public record Key(int effectivePriority, Instant queuedAt, long seq) {}

    /** The dispatch order over keys alone, for stores that sort without reading whole jobs. */
    public static final Comparator<Key> KEY_ORDER = Comparator.comparingInt(Key::effectivePriority).reversed()
            .thenComparing(Key::queuedAt).thenComparingLong(Key::seq);

    /** Orders entries whose effective priority is already computed. */
    public static final Comparator<QueueEntry> ENTRY_ORDER = Comparator.comparing(
            e -> new Key(e.effectivePriority(), e.job().queuedAt(), e.job().seq()), KEY_ORDER);

    /**
     * Ranks the pending jobs among {@code jobs} in dispatch order, each with its effective priority
     * and 1-based position; other statuses are ignored. No pending reasons are set here.
     */
    public static List<QueueEntry> rank(Collection<Job> jobs, QueueSettings settings, Instant now) {
        List<QueueEntry> unranked = new ArrayList<>(jobs.size());
        for (Job job : jobs) {
            if (job.status() == JobStatus.PENDING) {
                unranked.add(new QueueEntry(job, effectivePriority(job, settings, now), null, null));
            }
        }
        unranked.sort(ENTRY_ORDER);
        List<QueueEntry> ranked = new ArrayList<>(unranked.size());
        for (int i = 0; i < unranked.size(); i++) {
            QueueEntry e = unranked.get(i);
            ranked.add(new QueueEntry(e.job(), e.effectivePriority(), i + 1, null));
        }
        return ranked;
    }

    /** The smallest position among {@code userId}'s entries in {@code ranked}, or null when none. */
    public static Integer bestPosition(List<QueueEntry> ranked, long userId) {
        for (QueueEntry entry : ranked) {
            if (entry.job().userId() == userId) {
                return entry.position();
            }
        }
        return null;
    }
}
