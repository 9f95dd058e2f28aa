package dev.gpuqueue.core.memory;

import static dev.gpuqueue.core.model.JobStatus.PENDING;

import dev.gpuqueue.core.model.Dependency;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.policy.Aging;
import dev.gpuqueue.core.policy.DispatchOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;

/**
 * A store's active jobs (pending, blocked, running) in memory, indexed for the queue's hot reads:
 * by id, status, user and idempotency key, and the pending ones in dispatch order. Pending jobs are
 * kept per priority ({@code override ?? base}) in a {@link RankedMap} keyed by {@code (queued_at,
 * seq)}; a job's aging band is a range of those keys (its aging starts when it was queued), so the
 * first jobs in dispatch order are a merge of a few ranges, and a position is a sum of ranks, both in
 * O(log n) per range. The few jobs that age from another moment (approved after waiting) are kept
 * apart and ordered when read. Jobs still awaiting their dependencies are kept apart too, outside
 * the dispatch order, with an index from each job depended on to its waiting dependents (read when
 * that job ends, never walked by a pass). Terminal jobs are not kept. Not thread-safe: its store guards it.
 */
public final class ActiveJobs {
    private record Key(Instant at, long seq) {}

    private static final Comparator<Key> KEY_ORDER = Comparator.comparing(Key::at).thenComparingLong(Key::seq);
    private static final JobStatus[] ACTIVE = {JobStatus.PENDING, JobStatus.BLOCKED, JobStatus.RUNNING};

    private final Map<JobId, Job> jobs = new HashMap<>();
    private final Map<JobStatus, Map<JobId, Job>> byStatus = new EnumMap<>(JobStatus.class);
    private final Map<String, JobId> idempotencyKeys = new HashMap<>();
    /** Active jobs per user, counted by status (indexed by {@link #slot}). */
    private final Map<Long, long[]> perUser = new HashMap<>();
    private final Map<Long, Map<JobId, Job>> pendingByUser = new HashMap<>();
    /** Pending jobs aging from their queued time, per priority: the ordered ranges of the aging bands. */
    private final Map<Integer, RankedMap<Key, Job>> regular = new HashMap<>();
    /** Pending jobs aging from another moment (approval), per priority, by (aging start, seq). */
    private final Map<Integer, TreeMap<Key, Job>> irregular = new HashMap<>();
    /** Waiting jobs whose dependencies are not all met, by id: outside the dispatch order. */
    private final Map<JobId, Job> awaiting = new LinkedHashMap<>();
    /** For each job depended on, the waiting jobs that name it. */
    private final Map<JobId, Set<JobId>> dependents = new HashMap<>();
    /** How many pending local jobs have each time limit (a multiset, for the shortest one). */
    private final TreeMap<Long, Integer> localTimeLimits = new TreeMap<>();
    private long pendingForLocalGpus;
    private long pendingWithNamedRunner;

    public ActiveJobs() {
        for (JobStatus status : ACTIVE) {
            byStatus.put(status, new LinkedHashMap<>());
        }
    }

    /** Keeps {@code job} as it is now: indexed when active, dropped when terminal. */
    public void put(Job job) {
        Job old = jobs.get(job.id());
        if (old != null) {
            unindex(old);
        }
        if (job.status().isActive()) {
            index(job);
        }
    }

    public void remove(JobId id) {
        Job old = jobs.get(id);
        if (old != null) {
            unindex(old);
        }
    }

    public Optional<Job> find(JobId id) {
        return Optional.ofNullable(jobs.get(id));
    }

    public Optional<Job> findByIdempotencyKey(long userId, String idempotencyKey) {
        return Optional.ofNullable(idempotencyKeys.get(keyOf(userId, idempotencyKey))).map(jobs::get);
    }

    /** The active jobs with {@code status} (an active one), in the order they became so. */
    public List<Job> withStatus(JobStatus status) {
        return List.copyOf(statusMap(status).values());
    }

    /** Every active job, for comparisons with the durable record. */
    public Map<JobId, Job> all() {
        return Map.copyOf(jobs);
    }

    public long count(JobStatus status) {
        return statusMap(status).size();
    }

    /** Active jobs of {@code userId} (every user when null) with any of {@code statuses} (active ones). */
    public long count(Set<JobStatus> statuses, Long userId) {
        long n = 0;
        for (JobStatus status : statuses) {
            if (userId == null) {
                n += count(status);
            } else {
                long[] counts = perUser.get(userId);
                n += counts == null ? 0 : counts[slot(status)];
            }
        }
        return n;
    }

    /** Active jobs per user id; users without any are absent. */
    public Map<Long, Long> activeCountByUser() {
        Map<Long, Long> counts = new HashMap<>();
        perUser.forEach((user, byStatusCount) -> counts.put(user, byStatusCount[0] + byStatusCount[1] + byStatusCount[2]));
        return counts;
    }

    /** The waiting jobs that await {@code id} among their dependencies (read when it ends, not on every pass). */
    public List<Job> awaiting(JobId id) {
        Set<JobId> ids = dependents.get(id);
        return ids == null ? List.of() : ids.stream().map(jobs::get).toList();
    }

    /** The waiting jobs whose dependencies are not all met, in the order they were submitted. */
    public List<Job> awaitingDependencies() {
        return List.copyOf(awaiting.values());
    }

    /** The shortest time limit among pending local jobs, or null when none has one. */
    public Long shortestPendingLocalTimeLimit() {
        return localTimeLimits.isEmpty() ? null : localTimeLimits.firstKey();
    }

    public long countPendingForLocalGpus() {
        return pendingForLocalGpus;
    }

    public long countPendingWithNamedRunner() {
        return pendingWithNamedRunner;
    }

    // ---- dispatch order ----------------------------------------------------------------------------

    /** The first {@code limit} pending jobs in dispatch order at {@code now}. */
    public List<Job> pendingInDispatchOrder(QueueSettings settings, Instant now, int limit) {
        List<Aging.Band> bands = Aging.bands(settings, now);
        PriorityQueue<Run> runs = new PriorityQueue<>();
        regular.forEach((priority, jobsByKey) -> {
            for (Aging.Band band : bands) {
                Run run = new Run(priority + band.boost(), jobsByKey.valuesAfter(lowKey(band)), band.atOrBefore());
                if (run.advance()) {
                    runs.add(run);
                }
            }
        });
        irregular.forEach((priority, jobsByKey) -> {
            for (Aging.Band band : bands) {
                List<Job> members = new ArrayList<>(inBand(jobsByKey, band));
                members.sort(Comparator.comparing(Job::queuedAt).thenComparingLong(Job::seq));
                Run run = new Run(priority + band.boost(), members.iterator(), null);
                if (run.advance()) {
                    runs.add(run);
                }
            }
        });
        List<Job> first = new ArrayList<>(Math.min(limit, jobs.size()));
        while (first.size() < limit && !runs.isEmpty()) {
            Run run = runs.poll();
            first.add(run.head);
            if (run.advance()) {
                runs.add(run);
            }
        }
        return first;
    }

    /** How many pending jobs come before {@code job} in dispatch order at {@code now} (it need not be kept here). */
    public long countPendingAhead(Job job, QueueSettings settings, Instant now) {
        int target = DispatchOrder.effectivePriority(job, settings, now);
        Key own = new Key(job.queuedAt(), job.seq());
        long ahead = 0;
        List<Aging.Band> bands = Aging.bands(settings, now);
        for (Map.Entry<Integer, RankedMap<Key, Job>> byPriority : regular.entrySet()) {
            RankedMap<Key, Job> jobsByKey = byPriority.getValue();
            for (Aging.Band band : bands) {
                int effective = byPriority.getKey() + band.boost();
                if (effective < target) {
                    continue;
                }
                Key low = lowKey(band);
                int from = low == null ? 0 : jobsByKey.rank(low);
                int to = band.atOrBefore() == null ? jobsByKey.size() : jobsByKey.rank(new Key(band.atOrBefore(), Long.MAX_VALUE));
                if (effective == target) {
                    to = Math.min(to, jobsByKey.rank(own));
                }
                ahead += Math.max(0, to - from);
            }
        }
        QueueEntry targetEntry = new QueueEntry(job, target, null, null);
        for (TreeMap<Key, Job> jobsByKey : irregular.values()) {
            for (Job other : jobsByKey.values()) {
                QueueEntry entry = new QueueEntry(other, DispatchOrder.effectivePriority(other, settings, now), null, null);
                if (!other.id().equals(job.id()) && DispatchOrder.ENTRY_ORDER.compare(entry, targetEntry) < 0) {
                    ahead++;
                }
            }
        }
        return ahead;
    }

    /** One page of {@code userId}'s pending jobs in dispatch order at {@code now}. */
    public List<Job> pendingOfUserInDispatchOrder(long userId, QueueSettings settings, Instant now, int limit, int offset) {
        Collection<Job> own = pendingByUser.getOrDefault(userId, Map.of()).values();
        return DispatchOrder.rank(own, settings, now).stream().skip(offset).limit(limit).map(QueueEntry::job).toList();
    }

    /** The keys of a band start after this one (null: from the first). */
    private static Key lowKey(Aging.Band band) {
        return band.after() == null ? null : new Key(band.after(), Long.MAX_VALUE);
    }

    private static Collection<Job> inBand(TreeMap<Key, Job> jobsByKey, Aging.Band band) {
        Key low = lowKey(band);
        Key high = band.atOrBefore() == null ? null : new Key(band.atOrBefore(), Long.MAX_VALUE);
        if (low == null && high == null) {
            return jobsByKey.values();
        }
        if (low == null) {
            return jobsByKey.headMap(high, false).values();
        }
        return high == null ? jobsByKey.tailMap(low, false).values() : jobsByKey.subMap(low, false, high, false).values();
    }

    /** One range of pending jobs in dispatch order, all with the same effective priority. */
    private static final class Run implements Comparable<Run> {
        final int effective;
        final Iterator<Job> jobs;
        final Instant atOrBefore;
        Job head;

        Run(int effective, Iterator<Job> jobs, Instant atOrBefore) {
            this.effective = effective;
            this.jobs = jobs;
            this.atOrBefore = atOrBefore;
        }

        boolean advance() {
            if (!jobs.hasNext()) {
                return false;
            }
            Job next = jobs.next();
            if (atOrBefore != null && next.agingSince().isAfter(atOrBefore)) {
                return false;
            }
            head = next;
            return true;
        }

        @Override
        public int compareTo(Run other) {
            int byPriority = Integer.compare(other.effective, effective);
            if (byPriority != 0) {
                return byPriority;
            }
            int byTime = head.queuedAt().compareTo(other.head.queuedAt());
            return byTime != 0 ? byTime : Long.compare(head.seq(), other.head.seq());
        }
    }

    // ---- indexing ----------------------------------------------------------------------------------

    private void index(Job job) {
        jobs.put(job.id(), job);
        statusMap(job.status()).put(job.id(), job);
        if (job.idempotencyKey() != null) {
            idempotencyKeys.put(keyOf(job.userId(), job.idempotencyKey()), job.id());
        }
        perUser.computeIfAbsent(job.userId(), user -> new long[ACTIVE.length])[slot(job.status())]++;
        if (job.awaitingDependencies()) {
            awaiting.put(job.id(), job);
            job.dependsOn().forEach(d -> dependents.computeIfAbsent(d.jobId(), k -> new LinkedHashSet<>()).add(job.id()));
        }
        if (!job.dispatchable()) {
            return;
        }
        pendingByUser.computeIfAbsent(job.userId(), user -> new HashMap<>()).put(job.id(), job);
        pendingForLocalGpus += job.wantsLocalGpus() ? 1 : 0;
        if (job.wantsLocalGpus() && job.spec().maxRuntimeSeconds() != null) {
            localTimeLimits.merge(job.spec().maxRuntimeSeconds(), 1, Integer::sum);
        }
        pendingWithNamedRunner += job.namedRunner() != null ? 1 : 0;
        int priority = job.basePriorityOrOverride();
        if (agesFromQueuedTime(job)) {
            regular.computeIfAbsent(priority, p -> new RankedMap<>(KEY_ORDER)).put(new Key(job.queuedAt(), job.seq()), job);
        } else {
            irregular.computeIfAbsent(priority, p -> new TreeMap<>(KEY_ORDER)).put(new Key(job.agingSince(), job.seq()), job);
        }
    }

    private void unindex(Job job) {
        jobs.remove(job.id());
        statusMap(job.status()).remove(job.id());
        if (job.idempotencyKey() != null) {
            idempotencyKeys.remove(keyOf(job.userId(), job.idempotencyKey()), job.id());
        }
        long[] counts = perUser.get(job.userId());
        counts[slot(job.status())]--;
        if (counts[0] + counts[1] + counts[2] == 0) {
            perUser.remove(job.userId());
        }
        if (job.awaitingDependencies()) {
            awaiting.remove(job.id());
            for (Dependency dependency : job.dependsOn()) {
                Set<JobId> waiting = dependents.get(dependency.jobId());
                waiting.remove(job.id());
                if (waiting.isEmpty()) {
                    dependents.remove(dependency.jobId());
                }
            }
        }
        if (!job.dispatchable()) {
            return;
        }
        Map<JobId, Job> own = pendingByUser.get(job.userId());
        own.remove(job.id());
        if (own.isEmpty()) {
            pendingByUser.remove(job.userId());
        }
        pendingForLocalGpus -= job.wantsLocalGpus() ? 1 : 0;
        if (job.wantsLocalGpus() && job.spec().maxRuntimeSeconds() != null) {
            localTimeLimits.merge(job.spec().maxRuntimeSeconds(), -1, (a, b) -> a + b == 0 ? null : a + b);
        }
        pendingWithNamedRunner -= job.namedRunner() != null ? 1 : 0;
        int priority = job.basePriorityOrOverride();
        if (agesFromQueuedTime(job)) {
            RankedMap<Key, Job> jobsByKey = regular.get(priority);
            jobsByKey.remove(new Key(job.queuedAt(), job.seq()));
            if (jobsByKey.isEmpty()) {
                regular.remove(priority);
            }
        } else {
            TreeMap<Key, Job> jobsByKey = irregular.get(priority);
            jobsByKey.remove(new Key(job.agingSince(), job.seq()));
            if (jobsByKey.isEmpty()) {
                irregular.remove(priority);
            }
        }
    }

    private static boolean agesFromQueuedTime(Job job) {
        return job.queuedAt().equals(job.agingSince());
    }

    private Map<JobId, Job> statusMap(JobStatus status) {
        Map<JobId, Job> map = byStatus.get(status);
        if (map == null) {
            throw new IllegalArgumentException(status.wireName() + " jobs are not kept in memory; only active ones are");
        }
        return map;
    }

    private static int slot(JobStatus status) {
        return switch (status) {
            case PENDING -> 0;
            case BLOCKED -> 1;
            case RUNNING -> 2;
            default -> throw new IllegalArgumentException(status.wireName() + " is not an active status");
        };
    }

    private static String keyOf(long userId, String idempotencyKey) {
        return userId + "\u0000" + idempotencyKey;
    }
}
