package dev.gpuqueue.core.memory;

import dev.gpuqueue.core.error.ConcurrentUpdateException;
import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.JobNotFoundException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.TimeSpan;
import dev.gpuqueue.core.policy.DispatchOrder;
import dev.gpuqueue.core.port.CommitListener;
import dev.gpuqueue.core.port.JobQuery;
import dev.gpuqueue.core.port.JobReader;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.JobTransaction;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * A {@link JobStore} in memory: the embedding builder's default, and the reference implementation
 * of the store contract. Nothing survives the process. Thread-safe: units of work run one at a time
 * under one lock; a failed unit is rolled back through an undo log. Units of work do not nest.
 */
public final class InMemoryJobStore implements JobStore {
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<JobId, Job> jobs = new HashMap<>();
    private final Map<JobStatus, Map<JobId, Job>> byStatus = new EnumMap<>(JobStatus.class);
    private final Map<String, JobId> idempotencyKeys = new HashMap<>();
    private final Map<JobId, List<QueueEvent>> events = new HashMap<>();
    private final NavigableMap<Long, QueueEvent> eventLog = new TreeMap<>();
    private final List<CommitListener> listeners = new CopyOnWriteArrayList<>();
    private QueueSettings settings = QueueSettings.DEFAULTS;
    private long lastSeq;
    private long lastEventId;

    public InMemoryJobStore() {
        for (JobStatus status : JobStatus.values()) {
            byStatus.put(status, new LinkedHashMap<>());
        }
    }

    @Override
    public <T> T read(Function<JobReader, T> work) {
        return run(work::apply);
    }

    @Override
    public <T> T inTransaction(Function<JobTransaction, T> work) {
        return run(work);
    }

    @Override
    public void addCommitListener(CommitListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    private <T> T run(Function<JobTransaction, T> work) {
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("units of work do not nest");
        }
        lock.lock();
        Tx tx = new Tx();
        try {
            T result = work.apply(tx);
            tx.undo.clear();
            if (!tx.appended.isEmpty()) {
                CommitListener.notifyAll(listeners, List.copyOf(tx.appended));
            }
            return result;
        } catch (RuntimeException | Error e) {
            tx.rollback();
            throw e;
        } finally {
            tx.open = false;
            lock.unlock();
        }
    }

    private static String keyOf(long userId, String idempotencyKey) {
        return userId + "\u0000" + idempotencyKey;
    }

    private void put(Job job) {
        Job old = jobs.put(job.id(), job);
        if (old != null) {
            byStatus.get(old.status()).remove(old.id());
        }
        byStatus.get(job.status()).put(job.id(), job);
    }

    private void remove(JobId id) {
        Job old = jobs.remove(id);
        if (old != null) {
            byStatus.get(old.status()).remove(id);
        }
    }

    /** One unit of work; every write registers how to undo it. */
    private final class Tx implements JobTransaction {
        private final Deque<Runnable> undo = new ArrayDeque<>();
        private final List<QueueEvent> appended = new ArrayList<>();
        private boolean open = true;

        private void check() {
            if (!open) {
                throw new IllegalStateException("this unit of work has ended");
            }
        }

        void rollback() {
            while (!undo.isEmpty()) {
                undo.pop().run();
            }
        }

        @Override
        public Optional<Job> find(JobId id) {
            check();
            return Optional.ofNullable(jobs.get(id));
        }

        @Override
        public Optional<Job> findByIdempotencyKey(long userId, String idempotencyKey) {
            check();
            return Optional.ofNullable(idempotencyKeys.get(keyOf(userId, idempotencyKey))).map(jobs::get);
        }

        @Override
        public List<Job> withStatus(JobStatus status) {
            check();
            return List.copyOf(byStatus.get(status).values());
        }

        @Override
        public List<Job> pendingInDispatchOrder(QueueSettings settings, Instant now, int limit) {
            check();
            return DispatchOrder.rank(dispatchable(), settings, now).stream()
                    .limit(limit).map(QueueEntry::job).toList();
        }

        @Override
        public List<Job> pendingOfUserInDispatchOrder(long userId, QueueSettings settings, Instant now, int limit,
                int offset) {
            check();
            return DispatchOrder.rank(dispatchable().stream()
                            .filter(job -> job.userId() == userId).toList(), settings, now).stream()
                    .skip(offset).limit(limit).map(QueueEntry::job).toList();
        }

        @Override
        public long countPendingAhead(Job job, QueueSettings settings, Instant now) {
            check();
            QueueEntry target = new QueueEntry(job, DispatchOrder.effectivePriority(job, settings, now), null, null);
            return dispatchable().stream()
                    .filter(other -> !other.id().equals(job.id()))
                    .map(other -> new QueueEntry(other, DispatchOrder.effectivePriority(other, settings, now), null, null))
                    .filter(other -> DispatchOrder.ENTRY_ORDER.compare(other, target) < 0)
                    .count();
        }

        @Override
        public long countPendingForLocalGpus() {
            check();
            return dispatchable().stream().filter(Job::wantsLocalGpus).count();
        }

        @Override
        public long countPendingWithNamedRunner() {
            check();
            return dispatchable().stream().filter(j -> j.namedRunner() != null).count();
        }

        @Override
        public Long shortestPendingLocalTimeLimit() {
            check();
            return dispatchable().stream().filter(Job::wantsLocalGpus).map(j -> j.spec().maxRuntimeSeconds())
                    .filter(Objects::nonNull).min(Long::compare).orElse(null);
        }

        @Override
        public List<Job> awaiting(JobId id) {
            check();
            return awaitingDependencies().stream()
                    .filter(job -> job.dependsOn().stream().anyMatch(d -> d.jobId().equals(id))).toList();
        }

        @Override
        public List<Job> awaitingDependencies() {
            check();
            return jobs.values().stream().filter(Job::awaitingDependencies).sorted(Comparator.comparingLong(Job::seq))
                    .toList();
        }

        @Override
        public List<Job> arrayJobs(String arrayId) {
            check();
            return jobs.values().stream().filter(job -> arrayId.equals(job.arrayId()))
                    .sorted(Comparator.comparingInt(job -> job.array().index())).toList();
        }

        /** Pending jobs whose dependencies are met: the ones the dispatch order ranks. */
        private List<Job> dispatchable() {
            return byStatus.get(JobStatus.PENDING).values().stream().filter(Job::dispatchable).toList();
        }

        @Override
        public List<Job> list(JobQuery query) {
            check();
            Comparator<Job> order = switch (query.order()) {
                case NEWEST_FIRST -> Comparator.comparingLong(Job::seq).reversed();
                case RECENTLY_COMPLETED_FIRST -> Comparator.comparing(Job::completedAt,
                        Comparator.nullsLast(Comparator.<Instant>reverseOrder())).thenComparing(
                        Comparator.comparingLong(Job::seq).reversed());
            };
            return jobs.values().stream().filter(query::matches).sorted(order)
                    .skip(query.offset()).limit(query.limit()).toList();
        }

        @Override
        public long count(JobQuery query) {
            check();
            return jobs.values().stream().filter(query::matches).count();
        }

        @Override
        public Map<JobStatus, Long> countByStatus() {
            check();
            Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
            byStatus.forEach((status, members) -> counts.put(status, (long) members.size()));
            return counts;
        }

        @Override
        public Map<Long, Long> activeCountByUser() {
            check();
            Map<Long, Long> counts = new TreeMap<>();
            for (JobStatus status : JobStatus.values()) {
                if (status.isActive()) {
                    byStatus.get(status).values().forEach(j -> counts.merge(j.userId(), 1L, Long::sum));
                }
            }
            return counts;
        }

        @Override
        public List<TimeSpan> waitsStartedSince(Instant since) {
            check();
            return jobs.values().stream().filter(j -> j.startedAt() != null && !j.startedAt().isBefore(since))
                    .map(j -> new TimeSpan(j.queuedAt(), j.startedAt())).toList();
        }

        @Override
        public List<TimeSpan> runsCompletedSince(Instant since) {
            check();
            return jobs.values().stream().filter(j -> j.status() == JobStatus.COMPLETED && j.startedAt() != null
                            && !j.completedAt().isBefore(since))
                    .map(j -> new TimeSpan(j.startedAt(), j.completedAt())).toList();
        }

        @Override
        public List<QueueEvent> events(JobId id) {
            check();
            return List.copyOf(events.getOrDefault(id, List.of()));
        }

        @Override
        public List<QueueEvent> eventsAfter(long afterId, int limit) {
            check();
            return eventLog.tailMap(afterId, false).values().stream().limit(limit).toList();
        }

        @Override
        public long lastEventId() {
            check();
            return eventLog.isEmpty() ? 0 : eventLog.lastKey();
        }

        @Override
        public QueueSettings settings() {
            check();
            return settings;
        }

        @Override
        public Job insert(Job job) {
            check();
            Objects.requireNonNull(job, "job");
            if (jobs.containsKey(job.id())) {
                throw new ConflictException("a job with id " + job.id() + " already exists");
            }
            String key = job.idempotencyKey() == null ? null : keyOf(job.userId(), job.idempotencyKey());
            if (key != null && idempotencyKeys.containsKey(key)) {
                throw new ConflictException("idempotency key '" + job.idempotencyKey() + "' was already used");
            }
            JobStatus.checkInitial(job.status());
            long previousSeq = lastSeq;
            Job stored = job.toBuilder().seq(++lastSeq).version(0).build();
            put(stored);
            if (key != null) {
                idempotencyKeys.put(key, stored.id());
            }
            undo.push(() -> {
                remove(stored.id());
                if (key != null) {
                    idempotencyKeys.remove(key);
                }
                lastSeq = previousSeq;
            });
            return stored;
        }

        @Override
        public Job update(Job current, Job changed) {
            check();
            if (!current.id().equals(changed.id())) {
                throw new IllegalArgumentException("update must keep the job id");
            }
            Job stored = jobs.get(current.id());
            if (stored == null) {
                throw new JobNotFoundException(current.id());
            }
            if (stored.status() != current.status() || stored.version() != current.version()) {
                throw new ConcurrentUpdateException(current.id());
            }
            Job next = changed.toBuilder().seq(stored.seq()).version(stored.version() + 1).build();
            put(next);
            undo.push(() -> put(stored));
            return next;
        }

        @Override
        public QueueEvent append(QueueEvent event) {
            check();
            long previousId = lastEventId;
            QueueEvent stored = event.withId(++lastEventId);
            eventLog.put(stored.id(), stored);
            appended.add(stored);
            List<QueueEvent> history = stored.jobId() == null ? null
                    : events.computeIfAbsent(stored.jobId(), id -> new ArrayList<>());
            if (history != null) {
                history.add(stored);
            }
            undo.push(() -> {
                eventLog.remove(stored.id());
                appended.remove(appended.size() - 1);
                if (history != null) {
                    history.remove(history.size() - 1);
                }
                lastEventId = previousId;
            });
            return stored;
        }

        @Override
        public void saveSettings(QueueSettings newSettings) {
            check();
            QueueSettings previous = settings;
            settings = Objects.requireNonNull(newSettings, "settings");
            undo.push(() -> settings = previous);
        }

        @Override
        public List<JobId> deleteTerminalCompletedBefore(Instant cutoff) {
            check();
            List<Job> doomed = jobs.values().stream()
                    .filter(j -> j.status().isTerminal() && j.completedAt().isBefore(cutoff))
                    .sorted(Comparator.comparingLong(Job::seq)).toList();
            for (Job job : doomed) {
                remove(job.id());
                List<QueueEvent> history = events.remove(job.id());
                if (history != null) {
                    history.forEach(e -> eventLog.remove(e.id()));
                }
                String key = job.idempotencyKey() == null ? null : keyOf(job.userId(), job.idempotencyKey());
                JobId keyOwner = key == null ? null : idempotencyKeys.remove(key);
                undo.push(() -> {
                    put(job);
                    if (history != null) {
                        events.put(job.id(), history);
                        history.forEach(e -> eventLog.put(e.id(), e));
                    }
                    if (keyOwner != null) {
                        idempotencyKeys.put(key, keyOwner);
                    }
                });
            }
            return doomed.stream().map(Job::id).toList();
        }
    }
}
