package dev.gpuqueue.sqlite;

import dev.gpuqueue.core.error.ConcurrentUpdateException;
import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.JobNotFoundException;
import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.memory.ActiveJobs;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.Setting;
import dev.gpuqueue.core.model.TimeSpan;
import dev.gpuqueue.core.port.CommitListener;
import dev.gpuqueue.core.port.JobQuery;
import dev.gpuqueue.core.port.JobReader;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.JobTransaction;
import dev.gpuqueue.core.port.StoreHealth;
import java.lang.System.Logger.Level;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Jobs, their events and the queue settings in SQLite, with the active jobs (pending, blocked,
 * running), the settings and the counts per status mirrored in memory ({@link ActiveJobs}): the
 * queue's hot reads (dispatch order, positions, counts, a pass's reads) never touch the file, while
 * SQLite stays the durable record. The memory is loaded from the file at first use and changed only
 * by this store's own writes: a write changes the memory as it writes the file, under the memory's
 * write lock, which it holds until its transaction committed (or the change is undone, when it rolls
 * back); readers take the read lock, so they see only committed state. The server must be the only
 * process that changes jobs and settings in the file. Units of work map to database transactions
 * ({@link SqliteDatabase#writeUnit}: group commit, one savepoint per unit); job updates are
 * compare-and-set on status and version. Thread-safe.
 */
public final class SqliteJobStore implements JobStore {
    private static final System.Logger LOG = System.getLogger(SqliteJobStore.class.getName());
    private static final String TERMINAL = JobStatus.TERMINAL.stream().map(s -> "'" + s.wireName() + "'")
            .collect(Collectors.joining(", ", "(", ")"));
    private static final String ACTIVE = Stream.of(JobStatus.values()).filter(JobStatus::isActive)
            .map(s -> "'" + s.wireName() + "'").collect(Collectors.joining(", ", "(", ")"));

    private final SqliteDatabase db;
    private final ThreadLocal<Boolean> inUnit = ThreadLocal.withInitial(() -> false);
    private final Set<String> reportedBadSettings = ConcurrentHashMap.newKeySet();
    private final List<CommitListener> listeners = new CopyOnWriteArrayList<>();
    private final ReentrantReadWriteLock memoryLock = new ReentrantReadWriteLock();
    private volatile Memory memory;

    public SqliteJobStore(SqliteDatabase db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    /** What is mirrored in memory: the active jobs, the settings, and how many jobs each terminal status has. */
    private static final class Memory {
        final ActiveJobs active = new ActiveJobs();
        final Map<JobStatus, Long> terminal = new EnumMap<>(JobStatus.class);
        QueueSettings settings = QueueSettings.DEFAULTS;

        void addTerminal(JobStatus status, long n) {
            terminal.compute(status, (s, count) -> {
                long sum = (count == null ? 0 : count) + n;
                return sum == 0 ? null : sum;
            });
        }
    }

    @Override
    public <T> T read(Function<JobReader, T> work) {
        return unit(() -> {
            Memory m = memory();
            memoryLock.readLock().lock();
            try {
                return db.readLazily(h -> work.apply(new Tx(h, m, null)));
            } finally {
                memoryLock.readLock().unlock();
            }
        });
    }

    /** One write transaction; the events it appended reach the commit listeners after the commit, in commit order. */
    @Override
    public <T> T inTransaction(Function<JobTransaction, T> work) {
        return unit(() -> {
            Memory m = memory();
            return db.writeUnit(new SqliteDatabase.WriteUnit<T>() {
                private Tx tx;

                @Override
                public T run(Handle handle) {
                    memoryLock.writeLock().lock();
                    tx = new Tx(() -> handle, m, new ArrayDeque<>());
                    return work.apply(tx);
                }

                @Override
                public void rolledBack() {
                    try {
                        tx.undoAll();
                    } finally {
                        memoryLock.writeLock().unlock();
                    }
                }

                @Override
                public void committed() {
                    try {
                        if (!tx.appended.isEmpty()) {
                            CommitListener.notifyAll(listeners, List.copyOf(tx.appended));
                        }
                    } finally {
                        memoryLock.writeLock().unlock();
                    }
                }
            });
        });
    }

    @Override
    public void addCommitListener(CommitListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public StoreHealth health() {
        return db.health();
    }

    /**
     * The active jobs as the file holds them now, read afresh, next to those in memory: equal unless
     * something other than this store changed the file (for tests and diagnostics).
     */
    public boolean memoryMatchesFile() {
        Memory m = memory();
        memoryLock.readLock().lock();
        try {
            Memory fresh = load();
            return m.active.all().equals(fresh.active.all()) && m.settings.equals(fresh.settings)
                    && m.terminal.equals(fresh.terminal);
        } finally {
            memoryLock.readLock().unlock();
        }
    }

    private Memory memory() {
        Memory m = memory;
        if (m == null) {
            synchronized (this) {
                if (memory == null) {
                    memory = load();
                }
                m = memory;
            }
        }
        return m;
    }

    /** Reads the active jobs, the settings and the terminal counts from the file. */
    private Memory load() {
        long start = System.nanoTime();
        Memory m = new Memory();
        db.read(h -> {
            h.createQuery("SELECT * FROM jobs WHERE status IN " + ACTIVE).map(JobRows.JOB).forEach(m.active::put);
            h.createQuery("SELECT status, COUNT(*) AS n FROM jobs INDEXED BY jobs_status_user WHERE status IN " + TERMINAL
                            + " GROUP BY status")
                    .map((rs, ctx) -> Map.entry(rs.getString("status"), rs.getLong("n")))
                    .forEach(e -> m.addTerminal(JobStatus.valueOf(e.getKey().toUpperCase(Locale.ROOT)), e.getValue()));
            m.settings = storedSettings(h);
            return null;
        });
        LOG.log(Level.DEBUG, "Loaded {0} active jobs into memory in {1} ms", m.active.all().size(),
                (System.nanoTime() - start) / 1_000_000);
        return m;
    }

    private QueueSettings storedSettings(Handle h) {
        QueueSettings.Builder settings = QueueSettings.DEFAULTS.toBuilder();
        h.createQuery("SELECT name, value FROM settings")
                .map((rs, ctx) -> Map.entry(rs.getString("name"), rs.getString("value")))
                .forEach(stored -> Setting.byWireName(stored.getKey()).ifPresent(
                        setting -> loadSetting(settings, setting, stored.getValue())));
        return settings.build();
    }

    /** A stored value that no longer fits its setting is replaced by the default, never a failed read (logged once). */
    private void loadSetting(QueueSettings.Builder settings, Setting setting, String json) {
        try {
            settings.set(setting, Json.literal(json));
        } catch (QueueException e) {
            if (reportedBadSettings.add(setting.wireName() + "=" + json)) {
                LOG.log(Level.WARNING, "Stored setting {0} = {1} is unusable ({2}); using the default {3}",
                        setting.wireName(), json, e.getMessage(), setting.defaultValue());
            }
        }
    }

    private static final String EVENT_COLUMNS = "type, at, actor, job_id, user_id, from_status, to_status, detail";

    /** The value of each of {@link #EVENT_COLUMNS} for {@code event}, in that order. */
    private static Object[] eventValues(QueueEvent event) {
        return new Object[] {
            event.type().wireName(),
            Times.micros(event.at()),
            event.actor(),
            event.jobId() == null ? null : event.jobId().value(),
            event.userId(),
            event.from() == null ? null : event.from().wireName(),
            event.to() == null ? null : event.to().wireName(),
            event.detail()
        };
    }

    /** {@code event} as a read will return it, with its id. */
    private static QueueEvent storedEvent(QueueEvent event, long id) {
        return new QueueEvent(id, event.type(), Times.truncate(event.at()), event.actor(), event.jobId(), event.userId(),
                event.from(), event.to(), event.detail());
    }

    /** Terminal jobs completed before {@code :cutoff}, read by completion time. */
    static final String COMPLETED_BEFORE = "FROM jobs INDEXED BY jobs_completed_at WHERE completed_at < :cutoff"
            + " AND status IN " + TERMINAL;
    /** Terminal jobs completed at or after {@code :since}. */
    static final String COMPLETED_SINCE = "FROM jobs INDEXED BY jobs_completed_at WHERE completed_at >= :since"
            + " AND status IN " + TERMINAL;

    /** Jobs started at or after {@code :since}, read by start time. */
    static final String STARTED_SINCE = "FROM jobs INDEXED BY jobs_started_at WHERE started_at >= :since";

    private <T> T unit(Supplier<T> body) {
        if (inUnit.get()) {
            throw new IllegalStateException("units of work do not nest");
        }
        inUnit.set(true);
        try {
            return body.get();
        } finally {
            inUnit.set(false);
        }
    }

    /**
     * Reads and writes inside one unit of work: the active jobs, settings and counts from memory,
     * everything else (terminal jobs, events, listings) from the file. A writing unit changes both and
     * keeps how to undo its memory changes.
     */
    private final class Tx implements JobTransaction {
        /** The file, opened at first use (a unit served from memory alone never touches it). */
        private final Supplier<Handle> file;
        private final Memory m;
        private final Deque<Runnable> undo;
        private final List<QueueEvent> appended = new ArrayList<>();

        /** {@code undo} is null for a read-only unit. */
        Tx(Supplier<Handle> file, Memory m, Deque<Runnable> undo) {
            this.file = file;
            this.m = m;
            this.undo = undo;
        }

        void undoAll() {
            while (!undo.isEmpty()) {
                undo.pop().run();
            }
        }

        private Query select(String where) {
            return file.get().createQuery("SELECT * FROM jobs WHERE " + where);
        }

        @Override
        public Optional<Job> find(JobId id) {
            Optional<Job> active = m.active.find(id);
            return active.isPresent() ? active
                    : select("job_id = :id").bind("id", id.value()).map(JobRows.JOB).findOne();
        }

        @Override
        public Optional<Job> findByIdempotencyKey(long userId, String idempotencyKey) {
            Optional<Job> active = m.active.findByIdempotencyKey(userId, idempotencyKey);
            return active.isPresent() ? active : select("user_id = :user AND idempotency_key = :key")
                    .bind("user", userId).bind("key", idempotencyKey).map(JobRows.JOB).findOne();
        }

        @Override
        public List<Job> withStatus(JobStatus status) {
            if (status.isActive()) {
                return m.active.withStatus(status);
            }
            return select("status = :status ORDER BY seq").bind("status", status.wireName()).map(JobRows.JOB).list();
        }

        @Override
        public List<Job> pendingInDispatchOrder(QueueSettings settings, Instant now, int limit) {
            return m.active.pendingInDispatchOrder(settings, now, limit);
        }

        @Override
        public List<Job> pendingOfUserInDispatchOrder(long userId, QueueSettings settings, Instant now, int limit,
                int offset) {
            return m.active.pendingOfUserInDispatchOrder(userId, settings, now, limit, offset);
        }

        @Override
        public long countPendingAhead(Job job, QueueSettings settings, Instant now) {
            return m.active.countPendingAhead(job, settings, now);
        }

        @Override
        public long countPendingForLocalGpus() {
            return m.active.countPendingForLocalGpus();
        }

        @Override
        public Long shortestPendingLocalTimeLimit() {
            return m.active.shortestPendingLocalTimeLimit();
        }

        @Override
        public List<Job> awaiting(JobId id) {
            return m.active.awaiting(id);
        }

        @Override
        public List<Job> awaitingDependencies() {
            return m.active.awaitingDependencies();
        }

        @Override
        public List<Job> arrayJobs(String arrayId) {
            return select("array_id = :array ORDER BY array_index").bind("array", arrayId).map(JobRows.JOB).list();
        }

        @Override
        public long countPendingWithNamedRunner() {
            return m.active.countPendingWithNamedRunner();
        }

        @Override
        public List<Job> list(JobQuery query) {
            String order = query.order() == JobQuery.Order.NEWEST_FIRST
                    ? "seq DESC"
                    : "completed_at IS NULL, completed_at DESC, seq DESC";
            return filtered("SELECT * FROM jobs", query, " ORDER BY " + order + " LIMIT :limit OFFSET :offset")
                    .bind("limit", query.limit()).bind("offset", query.offset()).map(JobRows.JOB).list();
        }

        @Override
        public long count(JobQuery query) {
            if (!query.statuses().isEmpty() && query.statuses().stream().allMatch(JobStatus::isActive)) {
                return m.active.count(query.statuses(), query.userId());
            }
            return filtered("SELECT COUNT(*) FROM jobs", query, "").mapTo(Long.class).one();
        }

        private Query filtered(String select, JobQuery query, String rest) {
            List<String> conditions = new ArrayList<>();
            if (!query.statuses().isEmpty()) {
                conditions.add("status IN (" + query.statuses().stream().map(s -> "'" + s.wireName() + "'").sorted()
                        .collect(Collectors.joining(", ")) + ")");
            }
            if (query.userId() != null) {
                conditions.add("user_id = :user");
            }
            String where = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
            Query q = file.get().createQuery(select + where + rest);
            if (query.userId() != null) {
                q.bind("user", query.userId());
            }
            return q;
        }

        @Override
        public Map<JobStatus, Long> countByStatus() {
            Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
            for (JobStatus status : JobStatus.values()) {
                counts.put(status, status.isActive() ? m.active.count(status) : m.terminal.getOrDefault(status, 0L));
            }
            return counts;
        }

        @Override
        public Map<Long, Long> activeCountByUser() {
            return new TreeMap<>(m.active.activeCountByUser());
        }

        @Override
        public List<TimeSpan> waitsStartedSince(Instant since) {
            return file.get().createQuery("SELECT queued_at, started_at " + STARTED_SINCE).bind("since", Times.micros(since))
                    .map((rs, ctx) -> new TimeSpan(Times.instant(rs.getLong(1)), Times.instant(rs.getLong(2)))).list();
        }

        @Override
        public List<TimeSpan> runsCompletedSince(Instant since) {
            return file.get().createQuery("SELECT started_at, completed_at " + COMPLETED_SINCE
                            + " AND status = 'completed' AND started_at IS NOT NULL").bind("since", Times.micros(since))
                    .map((rs, ctx) -> new TimeSpan(Times.instant(rs.getLong(1)), Times.instant(rs.getLong(2)))).list();
        }

        @Override
        public List<QueueEvent> events(JobId id) {
            return file.get().createQuery("SELECT * FROM events WHERE job_id = :id ORDER BY id")
                    .bind("id", id.value()).map(JobRows.EVENT).list();
        }

        @Override
        public List<QueueEvent> eventsAfter(long afterId, int limit) {
            return file.get().createQuery("SELECT * FROM events WHERE id > :after ORDER BY id LIMIT :limit")
                    .bind("after", afterId).bind("limit", limit).map(JobRows.EVENT).list();
        }

        @Override
        public long lastEventId() {
            return file.get().createQuery("SELECT COALESCE(MAX(id), 0) FROM events").mapTo(Long.class).one();
        }

        @Override
        public QueueSettings settings() {
            return m.settings;
        }

        // ---- writes ------------------------------------------------------------------------------

        @Override
        public Job insert(Job job) {
            JobStatus.checkInitial(job.status());
            long seq;
            try {
                seq = JobRows.bind(file.get().createQuery(JobRows.INSERT + " RETURNING seq"), job.toBuilder().version(0).build())
                        .mapTo(Long.class).one();
            } catch (JdbiException e) {
                if (SqliteErrors.isUniqueViolation(e)) {
                    throw new ConflictException(String.valueOf(e.getCause().getMessage()).contains("idempotency")
                            ? "idempotency key '" + job.idempotencyKey() + "' was already used"
                            : "a job with id " + job.id() + " already exists");
                }
                throw e;
            }
            Job stored = JobRows.asStored(job.toBuilder().seq(seq).version(0).build());
            remember(stored);
            return stored;
        }

        /** One JDBC batch of positional inserts (no per-row statement or result set); rows get consecutive keys. */
        @Override
        public List<Job> insertAll(List<Job> jobs) {
            if (jobs.isEmpty()) {
                return List.of();
            }
            jobs.forEach(job -> JobStatus.checkInitial(job.status()));
            List<Job> fresh = jobs.stream().map(job -> job.toBuilder().version(0).build()).toList();
            long last = batch(JobRows.INSERT_POSITIONAL, fresh.stream().map(JobRows::values).toList(), "job");
            List<Job> stored = new ArrayList<>(fresh.size());
            for (int i = 0; i < fresh.size(); i++) {
                Job job = JobRows.asStored(fresh.get(i).toBuilder().seq(last - fresh.size() + 1 + i).build());
                remember(job);
                stored.add(job);
            }
            return stored;
        }

        @Override
        public List<QueueEvent> appendAll(List<QueueEvent> events) {
            if (events.isEmpty()) {
                return List.of();
            }
            long last = batch("INSERT INTO events (" + EVENT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    events.stream().map(SqliteJobStore::eventValues).toList(), "event");
            List<QueueEvent> stored = new ArrayList<>(events.size());
            for (int i = 0; i < events.size(); i++) {
                stored.add(storedEvent(events.get(i), last - events.size() + 1 + i));
            }
            appended.addAll(stored);
            return stored;
        }

        /**
         * Runs {@code sql} once per row of {@code rows} as one JDBC batch in this transaction and
         * returns the key of the last row inserted (keys are consecutive: this unit is the only writer).
         */
        private long batch(String sql, List<Object[]> rows, String what) {
            Handle handle = file.get();
            try (PreparedStatement insert = handle.getConnection().prepareStatement(sql)) {
                for (Object[] row : rows) {
                    for (int i = 0; i < row.length; i++) {
                        insert.setObject(i + 1, row[i]);
                    }
                    insert.addBatch();
                }
                insert.executeBatch();
            } catch (SQLException e) {
                if (SqliteErrors.isUniqueViolation(e)) {
                    throw new ConflictException("a " + what + " with one of these ids or idempotency keys already exists");
                }
                throw new UnableToExecuteStatementException(e, null);
            }
            return handle.createQuery("SELECT last_insert_rowid()").mapTo(Long.class).one();
        }

        @Override
        public Job update(Job current, Job changed) {
            if (!current.id().equals(changed.id())) {
                throw new IllegalArgumentException("update must keep the job id");
            }
            Job next = changed.toBuilder().seq(current.seq()).version(current.version() + 1).build();
            int rows = JobRows.bind(file.get().createUpdate(JobRows.UPDATE), next)
                    .bind("expected_status", current.status().wireName())
                    .bind("expected_version", current.version())
                    .execute();
            if (rows == 0) {
                boolean exists = file.get().createQuery("SELECT COUNT(*) FROM jobs WHERE job_id = :id")
                        .bind("id", current.id().value()).mapTo(Integer.class).one() > 0;
                throw exists ? new ConcurrentUpdateException(current.id()) : new JobNotFoundException(current.id());
            }
            Job stored = JobRows.asStored(next);
            remember(stored);
            return stored;
        }

        /** Mirrors a written job in memory, keeping how to undo it. */
        private void remember(Job stored) {
            Optional<Job> before = m.active.find(stored.id());
            m.active.put(stored);
            if (stored.status().isTerminal()) {
                m.addTerminal(stored.status(), 1);
            }
            undo.push(() -> {
                if (stored.status().isTerminal()) {
                    m.addTerminal(stored.status(), -1);
                }
                before.ifPresentOrElse(m.active::put, () -> m.active.remove(stored.id()));
            });
        }

        @Override
        public QueueEvent append(QueueEvent event) {
            Object[] values = eventValues(event);
            Query insert = file.get().createQuery("INSERT INTO events (" + EVENT_COLUMNS + ") VALUES (:type, :at, :actor,"
                    + " :job_id, :user_id, :from, :to, :detail) RETURNING id");
            String[] names = {"type", "at", "actor", "job_id", "user_id", "from", "to", "detail"};
            for (int i = 0; i < names.length; i++) {
                insert.bind(names[i], values[i]);
            }
            QueueEvent stored = storedEvent(event, insert.mapTo(Long.class).one());
            appended.add(stored);
            return stored;
        }

        @Override
        public void saveSettings(QueueSettings settings) {
            for (Map.Entry<String, Object> value : settings.asMap().entrySet()) {
                file.get().createUpdate("INSERT INTO settings (name, value) VALUES (:name, :value)"
                                + " ON CONFLICT (name) DO UPDATE SET value = excluded.value")
                        .bind("name", value.getKey()).bind("value", Json.write(value.getValue())).execute();
            }
            QueueSettings before = m.settings;
            m.settings = settings;
            undo.push(() -> m.settings = before);
        }

        @Override
        public List<JobId> deleteTerminalCompletedBefore(Instant cutoff) {
            long micros = Times.micros(cutoff);
            List<Map.Entry<JobId, JobStatus>> doomed = file.get().createQuery("SELECT job_id, status " + COMPLETED_BEFORE)
                    .bind("cutoff", micros)
                    .map((rs, ctx) -> Map.entry(JobId.of(rs.getString(1)),
                            JobStatus.valueOf(rs.getString(2).toUpperCase(Locale.ROOT))))
                    .list();
            file.get().createUpdate("DELETE FROM jobs WHERE job_id IN (SELECT job_id " + COMPLETED_BEFORE + ")")
                    .bind("cutoff", micros).execute();
            for (Map.Entry<JobId, JobStatus> deleted : doomed) {
                m.addTerminal(deleted.getValue(), -1);
            }
            undo.push(() -> doomed.forEach(deleted -> m.addTerminal(deleted.getValue(), 1)));
            return doomed.stream().map(Map.Entry::getKey).toList();
        }
    }
}
