package dev.gpuqueue.bench;

import dev.gpuqueue.core.GpuQueue;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobType;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.service.SettingsUpdate;
import dev.gpuqueue.core.service.SubmitRequest;
import dev.gpuqueue.sqlite.SqliteDatabase;
import dev.gpuqueue.sqlite.SqliteJobStore;
import dev.gpuqueue.sqlite.SqliteOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What every workload shares: 20 users round-robin with levels cycling admin, lead, researcher,
 * viewer; cloud jobs for a provider that accepts at once; {@code max_concurrent} 5 and
 * {@code user_max_concurrent} 2; a queue on a fresh SQLite file; a bulk load of pending jobs; and the
 * raw commit baseline every ratio is taken against. Files live under {@code benchmarks/target}
 * (a real disk: {@code synchronous=FULL} must reach it).
 */
final class Workloads {
    static final int USERS = 20;
    private static final Level[] LEVELS = {Level.ADMIN, Level.LEAD, Level.RESEARCHER, Level.VIEWER};
    static final JobSpec SPEC = JobSpec.builder().command(List.of("sleep", "600")).build();

    private Workloads() {}

    /** User {@code i} (0-based, taken modulo 20). */
    static Caller user(int i) {
        int n = i % USERS;
        return new Caller(n + 1, "user" + (n + 1), LEVELS[n % LEVELS.length], null);
    }

    static SubmitRequest request() {
        return SubmitRequest.builder("bench").spec(SPEC).provider(StubProvider.NAME).build();
    }

    /** A fresh directory for one measurement, under {@code benchmarks/target/bench-data} from the repository root (or {@code -Dgpuqueue.bench.dir}). */
    static Path freshDir(String name) {
        try {
            Path root = Path.of(System.getProperty("gpuqueue.bench.dir", "benchmarks/target/bench-data"));
            Files.createDirectories(root);
            return Files.createTempDirectory(root.toAbsolutePath(), name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A queue on its own database file, with the stub provider and the workloads' limits; close both. */
    record Queue(SqliteDatabase db, GpuQueue queue, StubProvider provider, Path dir) implements AutoCloseable {
        static Queue open(String name, String synchronous) {
            Path dir = freshDir(name);
            SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(dir).withSynchronous(synchronous));
            StubProvider provider = new StubProvider();
            GpuQueue queue = GpuQueue.builder().store(new SqliteJobStore(db)).runner(provider).build();
            queue.service().updateSettings(Caller.LOCAL_ADMIN,
                    SettingsUpdate.of(Map.of("max_concurrent", 5, "user_max_concurrent", 2)));
            return new Queue(db, queue, provider, dir);
        }

        JobStore store() {
            return queue.store();
        }

        @Override
        public void close() {
            queue.close();
            db.close();
            delete(dir);
        }
    }

    /** Stores {@code count} pending cloud jobs with the users' mix directly, in large transactions (untimed set-up). */
    static List<JobId> bulkLoad(JobStore store, int count) {
        return bulkLoad(store, count, StubProvider.NAME);
    }

    /** As {@link #bulkLoad(JobStore, int)}; with {@code provider} null, local jobs of config {@code bench}. */
    static List<JobId> bulkLoad(JobStore store, int count, String provider) {
        List<JobId> ids = new ArrayList<>(count);
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        int batch = 5_000;
        for (int from = 0; from < count; from += batch) {
            int first = from;
            int last = Math.min(count, from + batch);
            store.inTransaction(tx -> {
                for (int i = first; i < last; i++) {
                    Caller caller = user(i);
                    Instant at = start.plusMillis(i);
                    Job job = Job.builder().id(JobId.generate()).type(provider == null ? JobType.LOCAL : JobType.CLOUD)
                            .provider(provider)
                            .configName("bench").spec(SPEC).submitter(caller.asSubmitter())
                            .priority(caller.level().basePriority()).queuedAt(at).agingSince(at).build();
                    ids.add(tx.insert(job).id());
                }
                return null;
            });
        }
        return ids;
    }

    /** The raw baseline: single-row INSERT commits on a fresh file, one connection, WAL, {@code synchronous}. */
    static final class RawTable implements AutoCloseable {
        private final Path dir = freshDir("raw");
        private final Connection connection;
        private final PreparedStatement insert;
        private long n;

        RawTable(String synchronous) throws SQLException {
            connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("raw.db"));
            try (Statement s = connection.createStatement()) {
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = " + synchronous);
                s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)");
            }
            insert = connection.prepareStatement("INSERT INTO t (payload) VALUES (?)");
        }

        /** {@code rows} INSERTs of about 100 bytes each, committed together. */
        void commitMany(int rows) throws SQLException {
            connection.setAutoCommit(false);
            for (int i = 0; i < rows; i++) {
                insert.setString(1, "job-" + (n++) + "-" + "x".repeat(90));
                insert.executeUpdate();
            }
            connection.commit();
            connection.setAutoCommit(true);
        }

        /** One autocommitted single-row INSERT of about 100 bytes. */
        void commitOne() throws SQLException {
            insert.setString(1, "job-" + (n++) + "-" + "x".repeat(90));
            insert.executeUpdate();
        }

        @Override
        public void close() throws SQLException {
            insert.close();
            connection.close();
            delete(dir);
        }
    }
}
