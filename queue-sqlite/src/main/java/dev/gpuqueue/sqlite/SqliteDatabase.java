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
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
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
 * in this process; reads use a small pool of read-only connections, each read in its own
 * transaction (a consistent snapshot). Thread-safe.
 */
public final class SqliteDatabase implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SqliteDatabase.class.getName());

    /** One numbered schema change, applied in order. */
    record Migration(int version, String description, String resource) {}

    static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "jobs, events and settings", "migrations/V001__jobs_events_settings.sql"),
            new Migration(2, "users", "migrations/V002__users.sql"),
            new Migration(3, "one event history with store-wide ids", "migrations/V003__events.sql"),
            new Migration(4, "the runner of a running job", "migrations/V004__placement_runner.sql"));

    /** The newest schema version this code knows. */
    public static final int LATEST_VERSION = MIGRATIONS.get(MIGRATIONS.size() - 1).version();

    private final SqliteOptions options;
    private final DatabaseFile dbFile;
    private final Handle writer;
    /** The last failed write (when and why), cleared by the next successful one. */
    private final AtomicReference<StoreHealth> lastWrite = new AtomicReference<>(StoreHealth.OK);
    /** Fair, so a busy background pass cannot starve request threads of the writer. */
    private final ReentrantLock writeLock = new ReentrantLock(true);
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
        return write(work, () -> {});
    }

    /**
     * As {@link #write(Function)}, running {@code afterCommit} once the transaction committed and
     * before the next write may begin, so what it does follows commit order.
     */
    <T> T write(Function<Handle, T> work, Runnable afterCommit) {
        ensureOpen();
        Optional<String> fileProblem = dbFile.problem();
        if (fileProblem.isPresent()) {
            throw failed(new StoreUnavailableException(fileProblem.get(), null));
        }
        writeLock.lock();
        try {
            T result = writer.inTransaction(work::apply);
            lastWrite.set(StoreHealth.OK);
            afterCommit.run();
            return result;
        } catch (JdbiException e) {
            resetWriter();
            QueueException translated = translate(e);
            throw translated instanceof ConflictException ? translated : failed(translated);
        } finally {
            writeLock.unlock();
        }
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

    boolean isWriteLockedByCurrentThread() {
        return writeLock.isHeldByCurrentThread();
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

    private static SQLiteConfig writerConfig(SqliteOptions options) {
        SQLiteConfig config = baseConfig(options);
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(options.synchronous()));
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
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
        return config;
    }

    private static Handle open(SQLiteConfig config, Path file) {
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl("jdbc:sqlite:" + file);
        try {
            return Jdbi.create(source).open();
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
