package dev.gpuqueue.sqlite;

import dev.gpuqueue.core.error.ConcurrentUpdateException;
import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.JobNotFoundException;
import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.Setting;
import dev.gpuqueue.core.policy.Aging;
import dev.gpuqueue.core.policy.DispatchOrder;
import dev.gpuqueue.core.port.CommitListener;
import dev.gpuqueue.core.port.JobQuery;
import dev.gpuqueue.core.port.JobReader;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.JobTransaction;
import dev.gpuqueue.core.port.StoreHealth;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.result.ResultIterator;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Jobs, their events and the queue settings in SQLite. Units of work map to database transactions:
 * {@link #inTransaction} runs on the writer connection (BEGIN IMMEDIATE), {@link #read} on a reader
 * connection. Job updates are compare-and-set on status and version. Thread-safe.
 */
public final class SqliteJobStore implements JobStore {
    private static final System.Logger LOG = System.getLogger(SqliteJobStore.class.getName());
    private static final String PENDING_ORDER = "COALESCE(priority_override, priority) DESC, queued_at, seq";
    private static final String TERMINAL = JobStatus.TERMINAL.stream().map(s -> "'" + s.wireName() + "'")
            .collect(Collectors.joining(", ", "(", ")"));

    private final SqliteDatabase db;
    private final ThreadLocal<Boolean> inUnit = ThreadLocal.withInitial(() -> false);
    private final Set<String> reportedBadSettings = ConcurrentHashMap.newKeySet();
    private final List<CommitListener> listeners = new CopyOnWriteArrayList<>();

    public SqliteJobStore(SqliteDatabase db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    @Override
    public <T> T read(Function<JobReader, T> work) {
        return unit(() -> db.read(h -> work.apply(new Tx(h, List.of()))));
    }

    /** One write transaction; the events it appended reach the commit listeners after the commit, in commit order. */
    @Override
    public <T> T inTransaction(Function<JobTransaction, T> work) {
        return unit(() -> {
            List<QueueEvent> appended = new ArrayList<>();
            return db.write(h -> work.apply(new Tx(h, appended)), () -> {
                if (!appended.isEmpty()) {
                    CommitListener.notifyAll(listeners, List.copyOf(appended));
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

    static final String DISPATCH_INDEX = "jobs_pending_dispatch";
    static final String AGING_INDEX = "jobs_pending_aging";
    /** Bands up to this size are read whole through the aging index and sorted in memory. */
    static final int SMALL_BAND = 64;

    /**
     * The SQL over the pending jobs of one aging band, naming the index to use: left to itself,
     * SQLite picks a {@code (status, ...)} index and sorts, which is slow at 100,000 pending jobs.
     */
    static String bandSql(String columns, String index, Aging.Band band, String rest) {
        StringBuilder sql = new StringBuilder("SELECT ").append(columns)
                .append(" FROM jobs INDEXED BY ").append(index).append(" WHERE status = 'pending'");
        if (band.after() != null) {
            sql.append(" AND aging_since > :after");
        }
        if (band.atOrBefore() != null) {
            sql.append(" AND aging_since <= :at_or_before");
        }
        return sql.append(rest).toString();
    }

    /** Terminal jobs completed before {@code :cutoff}, read by completion time. */
    static final String COMPLETED_BEFORE = "FROM jobs INDEXED BY jobs_completed_at WHERE completed_at < :cutoff"
            + " AND status IN " + TERMINAL;
    /** Terminal jobs completed at or after {@code :since}. */
    static final String COMPLETED_SINCE = "FROM jobs INDEXED BY jobs_completed_at WHERE completed_at >= :since"
            + " AND status IN " + TERMINAL;

    /** Jobs started at or after {@code :since}, read by start time. */
    static final String STARTED_SINCE = "FROM jobs INDEXED BY jobs_started_at WHERE started_at >= :since";

    /** Pending jobs by kind, from the kind index alone. */
    static final String COUNT_PENDING_NAMED_RUNNER = "SELECT COUNT(*) FROM jobs INDEXED BY jobs_pending_kind"
            + " WHERE status = 'pending' AND job_type = 'cloud'";
    static final String COUNT_PENDING_LOCAL = "SELECT COUNT(*) FROM jobs INDEXED BY jobs_pending_kind"
            + " WHERE status = 'pending' AND job_type = 'local' AND target <> 'worker'";

    /** Counts per status from the (status, user_id) index alone. */
    static final String COUNT_BY_STATUS = "SELECT status, COUNT(*) AS n FROM jobs INDEXED BY jobs_status_user GROUP BY status";

    static final String FIRST_IN_BAND = " ORDER BY " + PENDING_ORDER + " LIMIT :limit";
    static final String AHEAD_IN_BAND = " AND (COALESCE(priority_override, priority) > :base"
            + " OR (COALESCE(priority_override, priority) = :base"
            + " AND (queued_at < :queued OR (queued_at = :queued AND seq < :seq))))";

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

    /** Reads and writes on one connection inside one transaction. */
    private final class Tx implements JobTransaction {
        private final Handle h;
        private final List<QueueEvent> appended;

        Tx(Handle h, List<QueueEvent> appended) {
            this.h = h;
            this.appended = appended;
        }

        private Query select(String where) {
            return h.createQuery("SELECT * FROM jobs WHERE " + where);
        }

        @Override
        public Optional<Job> find(JobId id) {
            return select("job_id = :id").bind("id", id.value()).map(JobRows.JOB).findOne();
        }

        @Override
        public Optional<Job> findByIdempotencyKey(long userId, String idempotencyKey) {
            return select("user_id = :user AND idempotency_key = :key")
                    .bind("user", userId).bind("key", idempotencyKey).map(JobRows.JOB).findOne();
        }

        @Override
        public List<Job> withStatus(JobStatus status) {
            return select("status = :status ORDER BY seq").bind("status", status.wireName()).map(JobRows.JOB).list();
        }

        /**
         * Merges the aging bands lazily. Each band is sized first (a bounded count on the aging index):
         * an empty band is skipped, a small one is read whole and sorted in memory, and a large one is
         * read in dispatch order through its own cursor; only the rows actually taken are mapped.
         */
        @Override
        public List<Job> pendingInDispatchOrder(QueueSettings settings, Instant now, int limit) {
            List<ResultIterator<Job>> cursors = new ArrayList<>();
            PriorityQueue<Head> heads = new PriorityQueue<>((a, b) -> DispatchOrder.ENTRY_ORDER.compare(a.entry(), b.entry()));
            try {
                for (Aging.Band band : Aging.bands(settings, now)) {
                    int size = bandQuery("COUNT(*) FROM (SELECT 1", AGING_INDEX, band, " LIMIT " + (SMALL_BAND + 1) + ")")
                            .mapTo(Integer.class).one();
                    if (size == 0) {
                        continue;
                    }
                    ResultIterator<Job> cursor = size <= SMALL_BAND
                            ? sorted(bandQuery("*", AGING_INDEX, band, "").map(JobRows.JOB).list())
                            : bandQuery("*", DISPATCH_INDEX, band, FIRST_IN_BAND).bind("limit", limit).map(JobRows.JOB).iterator();
                    cursors.add(cursor);
                    advance(cursor, band.boost(), heads);
                }
                List<Job> merged = new ArrayList<>(Math.min(limit, 1024));
                while (merged.size() < limit && !heads.isEmpty()) {
                    Head head = heads.poll();
                    merged.add(head.entry().job());
                    advance(head.cursor(), head.boost(), heads);
                }
                return merged;
            } finally {
                cursors.forEach(ResultIterator::close);
            }
        }

        /** A small band, put in dispatch order in memory (within a band the boost is equal, so base order is enough). */
        private static ResultIterator<Job> sorted(List<Job> jobs) {
            List<Job> ordered = new ArrayList<>(jobs);
            ordered.sort(Comparator.comparingInt(Job::basePriorityOrOverride).reversed()
                    .thenComparing(Job::queuedAt).thenComparingLong(Job::seq));
            Iterator<Job> it = ordered.iterator();
            return new ResultIterator<>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public Job next() {
                    return it.next();
                }

                @Override
                public void close() {}

                @Override
                public StatementContext getContext() {
                    return null;
                }
            };
        }

        private record Head(QueueEntry entry, ResultIterator<Job> cursor, int boost) {}

        private static void advance(ResultIterator<Job> cursor, int boost, PriorityQueue<Head> heads) {
            if (cursor.hasNext()) {
                Job job = cursor.next();
                heads.add(new Head(new QueueEntry(job, job.basePriorityOrOverride() + boost, null, null), cursor, boost));
            }
        }

        /** Sorts the user's pending jobs by their keys alone, then reads the rows of one page. */
        @Override
        public List<Job> pendingOfUserInDispatchOrder(long userId, QueueSettings settings, Instant now, int limit,
                int offset) {
            List<DispatchOrder.Key> keys = h.createQuery("SELECT seq, COALESCE(priority_override, priority) AS base,"
                            + " queued_at, aging_since FROM jobs INDEXED BY jobs_status_user"
                            + " WHERE status = 'pending' AND user_id = :user")
                    .bind("user", userId)
                    .map((rs, ctx) -> new DispatchOrder.Key(rs.getInt("base") + Aging.boost(
                            Duration.between(Times.instant(rs.getLong("aging_since")), now), settings),
                            Times.instant(rs.getLong("queued_at")), rs.getLong("seq")))
                    .list();
            List<Long> page = keys.stream().sorted(DispatchOrder.KEY_ORDER)
                    .skip(offset).limit(limit).map(DispatchOrder.Key::seq).toList();
            if (page.isEmpty()) {
                return List.of();
            }
            Map<Long, Job> bySeq = h.createQuery("SELECT * FROM jobs WHERE seq IN (<seqs>)").bindList("seqs", page)
                    .map(JobRows.JOB).stream().collect(Collectors.toMap(Job::seq, Function.identity()));
            return page.stream().map(bySeq::get).toList();
        }

        @Override
        public long countPendingAhead(Job job, QueueSettings settings, Instant now) {
            int effective = DispatchOrder.effectivePriority(job, settings, now);
            long queued = Times.micros(job.queuedAt());
            long ahead = 0;
            for (Aging.Band band : Aging.bands(settings, now)) {
                ahead += bandQuery("COUNT(*)", AGING_INDEX, band, AHEAD_IN_BAND)
                        .bind("base", effective - band.boost()).bind("queued", queued).bind("seq", job.seq())
                        .mapTo(Long.class).one();
            }
            return ahead;
        }

        private Query bandQuery(String columns, String index, Aging.Band band, String rest) {
            Query query = h.createQuery(bandSql(columns, index, band, rest));
            if (band.after() != null) {
                query.bind("after", Times.micros(band.after()));
            }
            if (band.atOrBefore() != null) {
                query.bind("at_or_before", Times.micros(band.atOrBefore()));
            }
            return query;
        }

        @Override
        public long countPendingForLocalGpus() {
            return h.createQuery(COUNT_PENDING_LOCAL).mapTo(Long.class).one();
        }

        @Override
        public long countPendingWithNamedRunner() {
            return h.createQuery(COUNT_PENDING_NAMED_RUNNER).mapTo(Long.class).one();
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
            Query q = h.createQuery(select + where + rest);
            if (query.userId() != null) {
                q.bind("user", query.userId());
            }
            return q;
        }

        @Override
        public Map<JobStatus, Long> countByStatus() {
            Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
            for (JobStatus status : JobStatus.values()) {
                counts.put(status, 0L);
            }
            h.createQuery(COUNT_BY_STATUS)
                    .map((rs, ctx) -> Map.entry(rs.getString("status"), rs.getLong("n")))
                    .forEach(e -> counts.put(JobStatus.valueOf(e.getKey().toUpperCase(Locale.ROOT)), e.getValue()));
            return counts;
        }

        @Override
        public Map<Long, Long> activeCountByUser() {
            Map<Long, Long> counts = new TreeMap<>();
            h.createQuery("SELECT user_id, COUNT(*) AS n FROM jobs WHERE status IN ('pending', 'blocked', 'running')"
                            + " GROUP BY user_id")
                    .map((rs, ctx) -> Map.entry(rs.getLong("user_id"), rs.getLong("n")))
                    .forEach(e -> counts.put(e.getKey(), e.getValue()));
            return counts;
        }

        @Override
        public List<Job> startedSince(Instant since) {
            return h.createQuery("SELECT * " + STARTED_SINCE).bind("since", Times.micros(since)).map(JobRows.JOB).list();
        }

        @Override
        public List<Job> completedSince(Instant since) {
            return h.createQuery("SELECT * " + COMPLETED_SINCE).bind("since", Times.micros(since)).map(JobRows.JOB).list();
        }

        @Override
        public List<QueueEvent> events(JobId id) {
            return h.createQuery("SELECT * FROM events WHERE job_id = :id ORDER BY id")
                    .bind("id", id.value()).map(JobRows.EVENT).list();
        }

        @Override
        public List<QueueEvent> eventsAfter(long afterId, int limit) {
            return h.createQuery("SELECT * FROM events WHERE id > :after ORDER BY id LIMIT :limit")
                    .bind("after", afterId).bind("limit", limit).map(JobRows.EVENT).list();
        }

        @Override
        public long lastEventId() {
            return h.createQuery("SELECT COALESCE(MAX(id), 0) FROM events").mapTo(Long.class).one();
        }

        @Override
        public QueueSettings settings() {
            QueueSettings.Builder settings = QueueSettings.DEFAULTS.toBuilder();
            h.createQuery("SELECT name, value FROM settings")
                    .map((rs, ctx) -> Map.entry(rs.getString("name"), rs.getString("value")))
                    .forEach(stored -> Setting.byWireName(stored.getKey()).ifPresent(
                            setting -> load(settings, setting, stored.getValue())));
            return settings.build();
        }

        /**
         * A stored value that no longer fits its setting is replaced by the default, never a failed
         * read; it is logged once per value (settings are read on every pass).
         */
        private void load(QueueSettings.Builder settings, Setting setting, String json) {
            try {
                settings.set(setting, Json.literal(json));
            } catch (QueueException e) {
                if (reportedBadSettings.add(setting.wireName() + "=" + json)) {
                    LOG.log(Level.WARNING, "Stored setting {0} = {1} is unusable ({2}); using the default {3}",
                            setting.wireName(), json, e.getMessage(), setting.defaultValue());
                }
            }
        }

        // ---- writes ------------------------------------------------------------------------------

        @Override
        public Job insert(Job job) {
            JobStatus.checkInitial(job.status());
            long seq;
            try {
                seq = JobRows.bind(h.createUpdate(JobRows.INSERT), job.toBuilder().version(0).build())
                        .executeAndReturnGeneratedKeys("seq").mapTo(Long.class).one();
            } catch (JdbiException e) {
                if (SqliteErrors.isUniqueViolation(e)) {
                    throw new ConflictException(String.valueOf(e.getCause().getMessage()).contains("idempotency")
                            ? "idempotency key '" + job.idempotencyKey() + "' was already used"
                            : "a job with id " + job.id() + " already exists");
                }
                throw e;
            }
            return JobRows.asStored(job.toBuilder().seq(seq).version(0).build());
        }

        @Override
        public Job update(Job current, Job changed) {
            if (!current.id().equals(changed.id())) {
                throw new IllegalArgumentException("update must keep the job id");
            }
            Job next = changed.toBuilder().seq(current.seq()).version(current.version() + 1).build();
            int rows = JobRows.bind(h.createUpdate(JobRows.UPDATE), next)
                    .bind("expected_status", current.status().wireName())
                    .bind("expected_version", current.version())
                    .execute();
            if (rows == 0) {
                boolean exists = h.createQuery("SELECT COUNT(*) FROM jobs WHERE job_id = :id")
                        .bind("id", current.id().value()).mapTo(Integer.class).one() > 0;
                throw exists ? new ConcurrentUpdateException(current.id()) : new JobNotFoundException(current.id());
            }
            return JobRows.asStored(next);
        }

        @Override
        public QueueEvent append(QueueEvent event) {
            long id = h.createUpdate("INSERT INTO events (type, at, actor, job_id, user_id, from_status, to_status, detail)"
                            + " VALUES (:type, :at, :actor, :job_id, :user_id, :from, :to, :detail)")
                    .bind("type", event.type().wireName())
                    .bind("at", Times.micros(event.at()))
                    .bind("actor", event.actor())
                    .bind("job_id", event.jobId() == null ? null : event.jobId().value())
                    .bind("user_id", event.userId())
                    .bind("from", event.from() == null ? null : event.from().wireName())
                    .bind("to", event.to() == null ? null : event.to().wireName())
                    .bind("detail", event.detail())
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            QueueEvent stored = new QueueEvent(id, event.type(), Times.truncate(event.at()), event.actor(), event.jobId(),
                    event.userId(), event.from(), event.to(), event.detail());
            appended.add(stored);
            return stored;
        }

        @Override
        public void saveSettings(QueueSettings settings) {
            for (Map.Entry<String, Object> value : settings.asMap().entrySet()) {
                h.createUpdate("INSERT INTO settings (name, value) VALUES (:name, :value)"
                                + " ON CONFLICT (name) DO UPDATE SET value = excluded.value")
                        .bind("name", value.getKey()).bind("value", Json.write(value.getValue())).execute();
            }
        }

        @Override
        public List<JobId> deleteTerminalCompletedBefore(Instant cutoff) {
            long micros = Times.micros(cutoff);
            List<JobId> doomed = h.createQuery("SELECT job_id " + COMPLETED_BEFORE)
                    .bind("cutoff", micros).map((rs, ctx) -> JobId.of(rs.getString(1))).list();
            h.createUpdate("DELETE FROM jobs WHERE job_id IN (SELECT job_id " + COMPLETED_BEFORE + ")")
                    .bind("cutoff", micros).execute();
            return doomed;
        }
    }
}
