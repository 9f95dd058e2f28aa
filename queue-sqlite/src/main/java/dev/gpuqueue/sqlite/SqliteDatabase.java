package dev.gpuqueue.sqlite;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.error.StoreException;
import dev.gpuqueue.core.error.StoreUnavailableException;
import dev.gpuqueue.core.port.StoreHealth;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * One SQLite database file, opened for the stores. Opening checks the file before changing anything
 * (not a database, a schema newer than this code: refused, file untouched), then turns on WAL and
 * applies pending migrations, each in its own transaction, recorded in {@code schema_version}.
 *
 * <p>Writes go through one long-lived connection whose transactions begin IMMEDIATE, one at a time
 * in this process, with group commit: units of work that arrive while another is being written wait,
 * and the next writer runs them all in one transaction (each in its own savepoint, so one that fails
 * rolls back alone), commits once, and only then answers each of them. Reads use a small pool of
 * read-only connections, each read in its own transaction (a consistent snapshot). Thread-safe.
 */
public final class SqliteDatabase implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SqliteDatabase.class.getName());

    /** One numbered schema change, applied in order. */
    record Migration(int version, String description, String resource) {}

    static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "jobs, events and settings", "migrations/V001__jobs_events_settings.sql"),
            new Migration(2, "users", "migrations/V002__users.sql"),
            new Migration(3, "one event history with store-wide ids", "migrations/V003__events.sql"),
            new Migration(4, "the runner of a running job", "migrations/V004__placement_runner.sql"),
            new Migration(5, "no indexes for reads served from memory", "migrations/V005__indexes_for_the_file_only.sql"),
            new Migration(6, "workers", "migrations/V006__workers.sql"),
            new Migration(7, "dependencies and job arrays", "migrations/V007__dependencies_arrays.sql"));

    /** The most units of work one transaction takes in (group commit). */
    static final int MAX_BATCH = 64;

    /** The newest schema version this code knows. */
    public static final int LATEST_VERSION = MIGRATIONS.get(MIGRATIONS.size() - 1).version();

    private final SqliteOptions options;
    private final DatabaseFile dbFile;
    private final Handle writer;
    /** The last failed write (when and why), cleared by the next successful one. */
    private final AtomicReference<StoreHealth> lastWrite = new AtomicReference<>(StoreHealth.OK);
    /** Fair, so a busy background pass cannot starve request threads of the writer. */
    private final ReentrantLock writeLock = new ReentrantLock(true);
    /** Units of work waiting for the writer; whoever holds {@link #writeLock} runs them all in one transaction. */
    private final ConcurrentLinkedQueue<Unit<?>> waiting = new ConcurrentLinkedQueue<>();
    /** Write transactions committed, for tests of the group commit. */
    private final AtomicLong commits = new AtomicLong();
    private final List<Handle> allReaders = new ArrayList<>();
    private final BlockingQueue<Handle> readers;
    private volatile boolean closed;

    private SqliteDatabase(SqliteOptions options, int targetVersion) {
        this.options = options;
        this.dbFile = DatabaseFile.prepare(options.file(), options.newDatabase());
        Path file = dbFile.path();
        int found = inspect(file, options);
        if (found > LATEST_VERSION) {
            throw new StoreException("the database " + file + " has schema version " + found
                    + ", newer than this gpuqueue supports (" + LATEST_VERSION + "); upgrade gpuqueue or use another"
                    + " --home. The file was not changed.");
        }
        this.writer = open(writerConfig(options), file);
        try {
            dbFile.remember();
            migrate(found, targetVersion);
            readers = new ArrayBlockingQueue<>(options.readConnections());
            for (int i = 0; i < options.readConnections(); i++) {
                Handle reader = open(readerConfig(options), file);
                allReaders.add(reader);
                readers.add(reader);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Opens (creating if needed) and migrates the database to the newest schema. */
    public static SqliteDatabase open(SqliteOptions options) {
        return new SqliteDatabase(options, LATEST_VERSION);
    }

    /** Opens the database migrated only up to {@code version}: lets tests build older databases. */
    static SqliteDatabase openAtVersion(SqliteOptions options, int version) {
        return new SqliteDatabase(options, version);
    }

    public Path file() {
        return dbFile.path();
    }

    public SqliteOptions options() {
        return options;
    }

    /** The schema version now recorded in the file. */
    public int schemaVersion() {
        return read(SqliteDatabase::currentVersion);
    }

    /**
     * Whether the database can be written now, answered at once: the file at the path must still be
     * the open one, and the last write must have succeeded (else when and why it failed).
     */
    public StoreHealth health() {
        if (closed) {
            return StoreHealth.failing("the database is closed", null);
        }
        Optional<String> fileProblem = dbFile.problem();
        if (fileProblem.isPresent()) {
            return StoreHealth.failing(fileProblem.get(), null);
        }
        return lastWrite.get();
    }

    // ---- units of work ---------------------------------------------------------------------------

    /**
     * Runs {@code work} in one IMMEDIATE transaction on the writer connection. If it throws, the
     * transaction rolls back and the exception comes back unchanged, except database failures, which
     * become the core's store exceptions.
     */
    <T> T write(Function<Handle, T> work) {
        return writeUnit(work::apply);
    }

    /**
     * A unit of work for {@link #writeUnit}, told how it ended: rolled back (its own failure,
     * or the transaction's) or committed. Both are called on the thread that ran it, before the
     * writer takes the next transaction, so a store can keep state in memory in step with the file.
     */
    @FunctionalInterface
    interface WriteUnit<T> {
        T run(Handle handle);

        /** What it did was rolled back (called once, instead of {@link #committed}). */
        default void rolledBack() {}

        /** Its transaction committed. */
        default void committed() {}
    }

    /**
     * Runs {@code work} in a write transaction and tells it how that ended ({@link WriteUnit#committed}
     * before the next write may begin, so what it does follows commit order). The unit may share its
     * transaction (and its one commit) with units of other threads that were waiting at the same time;
     * it runs in its own savepoint, so its failure rolls back its own changes only, and it is answered
     * after the commit.
     */
    <T> T writeUnit(WriteUnit<T> work) {
        ensureOpen();
        Optional<String> fileProblem = dbFile.problem();
        if (fileProblem.isPresent()) {
            throw failed(new StoreUnavailableException(fileProblem.get(), null));
        }
        Unit<T> unit = new Unit<>(work);
        waiting.add(unit);
        writeLock.lock();
        try {
            while (!unit.done) { // units queued before this one may fill a batch without it
                writeBatch();
            }
        } finally {
            writeLock.unlock();
        }
        return unit.outcome();
    }

    /** One unit of work in a group commit, and its outcome once answered. Guarded by {@link #writeLock}. */
    private static final class Unit<T> {
        final WriteUnit<T> work;
        T result;
        Throwable failure;
        boolean ran;
        boolean done;

        Unit(WriteUnit<T> work) {
            this.work = work;
        }

        void run(Handle handle) {
            ran = true;
            result = work.run(handle);
        }

        /** Tells the unit it was rolled back, unless it was never run. Never throws. */
        void rolledBack() {
            if (ran) {
                ran = false;
                try {
                    work.rolledBack();
                } catch (Throwable e) {
                    LOG.log(Level.ERROR, "After a rollback: undoing a unit of work failed", e);
                }
            }
        }

        /** Tells the unit its transaction committed. Never throws. */
        void committed() {
            try {
                work.committed();
            } catch (Throwable e) {
                LOG.log(Level.ERROR, "After a commit: a follow-up failed", e);
            }
        }

        T outcome() {
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            return result;
        }
    }

    /**
     * Runs every waiting unit (at most {@link #MAX_BATCH}) in one transaction and commits once. A unit
     * that throws is rolled back to its savepoint and answered with its exception (a database error
     * translated); a failure of the transaction itself (BEGIN or COMMIT) answers every unit with it.
     */
    private void writeBatch() {
        List<Unit<?>> batch = new ArrayList<>();
        for (Unit<?> next; batch.size() < MAX_BATCH && (next = waiting.poll()) != null; ) {
            batch.add(next);
        }
        boolean alone = batch.size() == 1;
        try {
            writer.begin();
            for (int i = 0; i < batch.size(); i++) {
                runInSavepoint(batch.get(i), "unit" + i, alone);
            }
            if (batch.stream().allMatch(u -> u.failure != null)) {
                writer.rollback();
            } else {
                writer.commit();
                commits.incrementAndGet();
            }
        } catch (JdbiException e) {
            resetWriter();
            QueueException translated = translate(e);
            QueueException answer = translated instanceof ConflictException ? translated : failed(translated);
            for (int i = batch.size() - 1; i >= 0; i--) {
                Unit<?> unit = batch.get(i);
                if (unit.failure == null) {
                    unit.failure = answer;
                    unit.rolledBack();
                }
            }
        } finally {
            for (Unit<?> unit : batch) {
                unit.done = true;
            }
        }
        if (batch.stream().anyMatch(u -> u.failure == null)) {
            lastWrite.set(StoreHealth.OK);
        }
        for (Unit<?> unit : batch) {
            if (unit.failure == null) {
                unit.committed();
            }
        }
    }

    /**
     * Runs one unit; on failure rolls back what it did to its savepoint (alone in its transaction, the
     * whole transaction is rolled back after it) and keeps its exception. A database error while
     * rolling back fails the whole batch (thrown).
     */
    private void runInSavepoint(Unit<?> unit, String savepoint, boolean alone) {
        if (!alone) {
            writer.savepoint(savepoint);
        }
        try {
            unit.run(writer);
            if (!alone) {
                writer.release(savepoint);
            }
        } catch (RuntimeException | Error e) {
            if (!alone) {
                writer.rollbackToSavepoint(savepoint);
            }
            unit.failure = e instanceof JdbiException db ? answerFor(db) : e;
            unit.rolledBack();
        }
    }

    /** How many units of work wait for the writer now (tests). */
    int waitingUnits() {
        return waiting.size();
    }

    /** How many write transactions committed so far (tests). */
    long commits() {
        return commits.get();
    }

    private QueueException answerFor(JdbiException e) {
        QueueException translated = translate(e);
        return translated instanceof ConflictException ? translated : failed(translated);
    }

    /**
     * After a failed write, puts the writer connection back in auto-commit. sqlite-jdbc marks the
     * connection as in a transaction before its {@code BEGIN IMMEDIATE} runs; when that BEGIN fails
     * (the lock held elsewhere past the timeout), the next unit of work would otherwise think itself
     * nested in a transaction that does not exist, run without BEGIN and never commit.
     */
    private void resetWriter() {
        try {
            Connection connection = writer.getConnection();
            if (!connection.getAutoCommit()) {
                try {
                    connection.rollback();
                } catch (SQLException noTransaction) {
                    // the BEGIN never happened: nothing to roll back
                }
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            LOG.log(Level.DEBUG, "Resetting the writer connection: {0}", e.getMessage());
        }
    }

    /** Remembers a failed write for {@link #health()} (since the first failure of a streak), and logs it. */
    private QueueException failed(QueueException failure) {
        lastWrite.updateAndGet(last -> StoreHealth.failing(failure.getMessage(), last.ok() ? Instant.now() : last.since()));
        LOG.log(Level.WARNING, "A database write failed: {0}", failure.getMessage());
        return failure;
    }

    /**
     * Runs read-only {@code work} that may not need the file at all: a reader connection is taken,
     * and its transaction begun, only when {@code work} first asks for the handle.
     */
    <T> T readLazily(Function<Supplier<Handle>, T> work) {
        Handle[] taken = {null};
        Supplier<Handle> handle = () -> {
            if (taken[0] == null) {
                ensureOpen();
                taken[0] = takeReader();
                try {
                    taken[0].begin();
                } catch (JdbiException e) {
                    readers.add(taken[0]);
                    taken[0] = null;
                    throw translate(e);
                }
            }
            return taken[0];
        };
        try {
            T result = work.apply(handle);
            if (taken[0] != null) {
                taken[0].commit();
            }
            return result;
        } catch (JdbiException e) {
            throw translate(e);
        } finally {
            if (taken[0] != null) {
                if (taken[0].isInTransaction()) {
                    taken[0].rollback();
                }
                readers.add(taken[0]);
            }
        }
    }

    private Handle takeReader() {
        try {
            return readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a database connection", e);
        }
    }

    /** Runs read-only {@code work} in one transaction on a reader connection. */
    <T> T read(Function<Handle, T> work) {
        ensureOpen();
        Handle reader;
        try {
            reader = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a database connection", e);
        }
        try {
            return reader.inTransaction(work::apply);
        } catch (JdbiException e) {
            throw translate(e);
        } finally {
            readers.add(reader);
        }
    }

    QueueException translate(Throwable failure) {
        return SqliteErrors.translate(failure, options.file(), options.busyTimeout().toMillis());
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreException("the database " + options.file() + " is closed");
        }
    }

    /** Closes every connection; the last close checkpoints the WAL into the database file. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Handle reader : allReaders) {
            closeQuietly(reader);
        }
        writeLock.lock();
        try {
            if (writer != null) {
                closeQuietly(writer);
            }
        } finally {
            writeLock.unlock();
        }
    }

    private static void closeQuietly(Handle handle) {
        try {
            handle.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Closing a database connection failed: {0}", e.getMessage());
        }
    }

    // ---- opening ---------------------------------------------------------------------------------

    /**
     * The schema version in an existing file (0 for a new or empty one), read on a read-only
     * connection that changes nothing. Refuses files that are not gpuqueue databases.
     */
    private static int inspect(Path file, SqliteOptions options) {
        try {
            if (!Files.exists(file) || Files.size(file) == 0) {
                return 0;
            }
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e, e);
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout((int) options.busyTimeout().toMillis());
        try (Connection connection = config.createConnection("jdbc:sqlite:" + file);
                Statement statement = connection.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            if (tables.isEmpty()) {
                return 0;
            }
            if (!tables.contains("schema_version")) {
                throw new StoreException(file + " is a SQLite database but not a gpuqueue one (it has tables " + tables
                        + " and no schema_version); move it away or choose another --home");
            }
            try (ResultSet rs = statement.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        } catch (SQLException e) {
            throw SqliteErrors.translate(e, file, options.busyTimeout().toMillis());
        }
    }

    /** The writer's page cache at most, in KiB (SQLite's default is 2,000). */
    static final int WRITER_CACHE_KIB = 64 * 1024;

    private static SQLiteConfig writerConfig(SqliteOptions options) {
        SQLiteConfig config = baseConfig(options);
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(options.synchronous()));
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        // Room for a large transaction (a 10,000-job array is about 10 MB of rows and indexes) without
        // spilling dirty pages to the WAL before it commits; allocated only as used.
        config.setCacheSize(-WRITER_CACHE_KIB);
        return config;
    }

    private static SQLiteConfig readerConfig(SqliteOptions options) {
        SQLiteConfig config = baseConfig(options);
        config.setReadOnly(true);
        config.setTransactionMode(SQLiteConfig.TransactionMode.DEFERRED);
        return config;
    }

    private static SQLiteConfig baseConfig(SqliteOptions options) {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout((int) options.busyTimeout().toMillis());
        config.enforceForeignKeys(true);
        config.setGetGeneratedKeys(false); // inserts say what they need with RETURNING: no extra query after each
        return config;
    }

    private static Handle open(SQLiteConfig config, Path file) {
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl("jdbc:sqlite:" + file);
        try {
            return Jdbi.create(source).setStatementBuilderFactory(connection -> new ReusedStatements()).open();
        } catch (RuntimeException e) {
            throw SqliteErrors.translate(e, file, config.getBusyTimeout());
        }
    }

    // ---- migrations ------------------------------------------------------------------------------

    private void migrate(int found, int targetVersion) {
        write(h -> h.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                + "version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
        for (Migration migration : MIGRATIONS) {
            if (migration.version() <= found || migration.version() > targetVersion) {
                continue;
            }
            write(h -> {
                if (currentVersion(h) >= migration.version()) {
                    return null; // another process applied it first
                }
                h.createScript(resource(migration.resource())).execute();
                h.createUpdate("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)")
                        .bind(0, migration.version())
                        .bind(1, migration.description())
                        .bind(2, Times.micros(Clock.systemUTC().instant()))
                        .execute();
                return null;
            });
            LOG.log(Level.INFO, "Database {0}: applied migration {1} ({2})", options.file(), migration.version(),
                    migration.description());
        }
    }

    private static int currentVersion(Handle handle) {
        return handle.createQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version").mapTo(Integer.class).one();
    }

    private static String resource(String name) {
        try (InputStream in = Objects.requireNonNull(SqliteDatabase.class.getResourceAsStream(name), name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StoreException("cannot read the migration " + name + " from gpuqueue's jar: " + e.getMessage(), e);
        }
    }
}
