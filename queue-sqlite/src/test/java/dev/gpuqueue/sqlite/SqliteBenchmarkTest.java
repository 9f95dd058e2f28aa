package dev.gpuqueue.sqlite;

import static dev.gpuqueue.core.testing.QueueHarness.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.Submitter;
import dev.gpuqueue.core.service.PositionInfo;
import dev.gpuqueue.core.service.QueuePage;
import dev.gpuqueue.core.service.QueueQuery;
import dev.gpuqueue.core.testing.QueueHarness;
import dev.gpuqueue.core.testing.FakeGpuInventory;
import dev.gpuqueue.core.testing.MutableClock;
import dev.gpuqueue.core.testing.RecordingRunner;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

/**
 * The SQLite store's figures, measured in one run so they can be compared (the machines are shared
 * and noisy; ratios travel better than absolute numbers). Not part of the normal build:
 * <pre>./mvnw -B verify -pl queue-sqlite -am -Dtest.excludedGroups= -Dgroups=benchmark -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
@Tag("benchmark")
class SqliteBenchmarkTest {
    private static final int COMMITS = 2000;
    private static final int SUBMITS = 2000;
    private static final int PENDING = 100_000;

    @TempDir
    Path dir;

    @Test
    void submitRateAgainstRawCommitsAndReadsAt100kPending() throws Exception {
        String sync = System.getProperty("gpuqueue.bench.sync", "FULL");
        double raw = rawCommitsPerSecond(dir.resolve("raw.db"), sync);
        double submits = submitsPerSecond(dir.resolve("submit"), sync);
        Reads reads = readsAt100kPending(dir.resolve("big"));

        System.out.printf(Locale.ROOT, "%n== SQLite store benchmark (synchronous=%s) ==%n", sync);
        System.out.printf(Locale.ROOT, "raw single-row commits:        %8.0f /s%n", raw);
        System.out.printf(Locale.ROOT, "QueueService.submit:           %8.0f /s  (ratio to raw commits: %.2f)%n",
                submits, submits / raw);
        System.out.printf(Locale.ROOT, "at %,d pending: first-50 dispatch-order read  median %.2f ms%n", PENDING,
                reads.firstPageMillis());
        System.out.printf(Locale.ROOT, "at %,d pending: first page of GET /api/queue   median %.2f ms%n", PENDING,
                reads.queuePageMillis());
        System.out.printf(Locale.ROOT, "at %,d pending: one position lookup            median %.2f ms%n", PENDING,
                reads.positionMillis());
        System.out.printf(Locale.ROOT, "at %,d pending: one scheduling pass            median %.2f ms%n%n", PENDING,
                reads.passMillis());
        assertThat(raw).isPositive();
        assertThat(submits).isPositive();
    }

    /** Single-row INSERT transactions on one long-lived connection, WAL, the same sync setting. */
    private static double rawCommitsPerSecond(Path file, String sync) throws Exception {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(sync));
        try (Connection c = config.createConnection("jdbc:sqlite:" + file)) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE raw (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)");
            }
            c.setAutoCommit(false);
            String payload = "x".repeat(100);
            long start = System.nanoTime();
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO raw (payload) VALUES (?)")) {
                for (int i = 0; i < COMMITS; i++) {
                    insert.setString(1, payload);
                    insert.executeUpdate();
                    c.commit();
                }
            }
            return COMMITS / seconds(start);
        }
    }

    /** Submits through the whole service: config, approval rules, insert, event, a pass, the answer. */
    private static double submitsPerSecond(Path home, String sync) {
        try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home).withSynchronous(sync))) {
            QueueHarness h = new QueueHarness(new SqliteJobStore(db));
            for (int i = 0; i < 100; i++) {
                h.submit(QueueHarness.ALICE, "train");
            }
            long start = System.nanoTime();
            for (int i = 0; i < SUBMITS; i++) {
                h.submit(i % 2 == 0 ? QueueHarness.BOB : QueueHarness.CAROL, "train");
            }
            double rate = SUBMITS / seconds(start);
            assertThat(h.jobCount()).isEqualTo(SUBMITS + 100);
            return rate;
        }
    }

    private record Reads(double firstPageMillis, double queuePageMillis, double positionMillis, double passMillis) {}

    private static Reads readsAt100kPending(Path home) {
        try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home).withSynchronous("OFF"))) {
            SqliteJobStore store = new SqliteJobStore(db);
            Instant now = Instant.now();
            JobSpec spec = JobSpec.builder().command(List.of("python", "train.py")).build();
            store.inTransaction(tx -> {
                for (int i = 0; i < PENDING; i++) {
                    // Spread over 5 hours (every aging band populated), 50 users, all four levels.
                    Instant queued = now.minusSeconds(5 * 3600).plusMillis(i * 180L);
                    tx.insert(Job.builder().id(JobId.generate()).configName("train").spec(spec)
                            .submitter(new Submitter(1 + i % 50, "user" + i % 50, "team" + i % 7))
                            .priority(Level.values()[i % 4].basePriority()).queuedAt(queued).agingSince(queued).build());
                }
                return null;
            });
            QueueHarness h = new QueueHarness(store, FakeGpuInventory.withGpus(4), new RecordingRunner(), MutableClock.at(now));
            h.settings(Map.of("max_concurrent", 5));
            h.scheduler().runOnce(); // fill the slots so later passes find the queue full
            List<Job> middle = store.read(r -> r.pendingInDispatchOrder(QueueSettings.DEFAULTS, now, 50_001));
            JobId target = middle.get(50_000).id();

            QueueSettings settings = h.service().settings();
            double firstPage = median(() -> store.read(r -> r.pendingInDispatchOrder(settings, now, 50)).size());
            double queuePage = median(() -> h.service().queue(ADMIN, QueueQuery.active()).entries().size());
            double position = median(() -> {
                PositionInfo info = h.service().position(ADMIN, target);
                assertThat(info.job().status()).isEqualTo(JobStatus.PENDING);
                return info.position();
            });
            double pass = median(() -> h.scheduler().runOnce().started().size());
            QueuePage page = h.service().queue(ADMIN, QueueQuery.active());
            assertThat(page.totalPending()).isGreaterThan(PENDING - 10);
            return new Reads(firstPage, queuePage, position, pass);
        }
    }

    private static double median(Supplier<Object> work) {
        for (int i = 0; i < 5; i++) {
            work.get();
        }
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            long start = System.nanoTime();
            work.get();
            millis.add((System.nanoTime() - start) / 1e6);
        }
        Collections.sort(millis);
        return millis.get(millis.size() / 2);
    }

    private static double seconds(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos).toNanos() / 1e9;
    }
}
