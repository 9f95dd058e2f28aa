package dev.gpuqueue.sqlite;

import static dev.gpuqueue.core.testing.TestJobs.T0;
import static dev.gpuqueue.core.testing.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.StoreException;
import dev.gpuqueue.core.error.StoreUnavailableException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.port.JobQuery;
import dev.gpuqueue.core.port.StoreHealth;
import dev.gpuqueue.core.port.User;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening, reopening, upgrading and refusing database files. */
class DatabaseFileTest {
    @TempDir
    Path home;

    private Path file() {
        return home.resolve("jobs.db");
    }

    private static void sql(Path file, String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    @Test
    void aNewDatabaseIsCreatedInWalModeAtTheLatestVersion() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home.resolve("nested/dir")))) {
            assertThat(db.schemaVersion()).isEqualTo(SqliteDatabase.LATEST_VERSION);
            assertThat(db.health().ok()).isTrue();
            String mode = db.read(h -> h.createQuery("PRAGMA journal_mode").mapTo(String.class).one());
            assertThat(mode).isEqualToIgnoringCase("wal");
        }
        assertThat(home.resolve("nested/dir/jobs.db")).exists();
    }

    @Test
    void everythingIsThereAfterCloseAndReopen() {
        Job running;
        QueueSettings settings = QueueSettings.DEFAULTS.toBuilder().maxConcurrent(12).localGpuMaxConcurrent(6)
                .enableFairShare(true).approvalCostThreshold(99.5).build();
        try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home))) {
            SqliteJobStore store = new SqliteJobStore(db);
            Job pending = store.inTransaction(tx -> tx.insert(job().gpus(2).build()));
            running = store.inTransaction(tx -> {
                Job r = tx.update(pending, pending.dispatched(Placement.localGpus(List.of(1, 3)), T0.plusSeconds(5)));
                tx.append(QueueEvent.of(pending, r, T0.plusSeconds(5), "scheduler", QueueEvent.Type.DISPATCHED, "on GPUs [1, 3]"));
                tx.saveSettings(settings);
                return r;
            });
            new SqliteUserDirectory(db, Clock.systemUTC()).add("alice", Level.LEAD, "alpha", "hash-1");
        }

        try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home))) {
            SqliteJobStore store = new SqliteJobStore(db);
            Job found = store.read(r -> r.find(running.id())).orElseThrow();
            assertThat(found).isEqualTo(running);
            assertThat(found.allocatedGpus()).containsExactly(1, 3);
            QueueSettings reread = store.read(r -> r.settings());
            assertThat(reread).isEqualTo(settings);
            List<QueueEvent> events = store.read(r -> r.events(running.id()));
            assertThat(events).singleElement().satisfies(e -> assertThat(e.detail()).isEqualTo("on GPUs [1, 3]"));
            User alice = new SqliteUserDirectory(db, Clock.systemUTC()).findByTokenHash("hash-1").orElseThrow();
            assertThat(alice.name()).isEqualTo("alice");
            assertThat(alice.level()).isEqualTo(Level.LEAD);
        }
    }

    @Test
    void anOlderDatabaseIsUpgradedWithItsDataKept() {
        Job local = job().running(1, 3).build();
        Job cloud = job().cloud("replicate").running().build();
        try (SqliteDatabase v1 = SqliteDatabase.openAtVersion(SqliteOptions.inHome(home), 1)) {
            assertThat(v1.schemaVersion()).isEqualTo(1);
            Integer usersTables = v1.read(h -> h.createQuery(
                    "SELECT COUNT(*) FROM sqlite_master WHERE name = 'users'").mapTo(Integer.class).one());
            assertThat(usersTables).isZero();
            for (Job running : List.of(local, cloud)) {
                v1.write(h -> h.createUpdate("INSERT INTO jobs (job_id, user_id, user_name, config_name, status,"
                        + " queued_at, aging_since, started_at, allocated_gpus, job_type, provider, spec)"
                        + " VALUES (:id, :user, 'alice', 'train', 'running', :at, :at, :at, :gpus, :type, :provider, :spec)")
                        .bind("id", running.id().value()).bind("user", running.userId()).bind("at", Times.micros(T0))
                        .bind("gpus", Json.write(running.allocatedGpus())).bind("type", running.type().wireName())
                        .bind("provider", running.provider()).bind("spec", Json.spec(running.spec())).execute());
            }
            v1.write(h -> h.createUpdate("INSERT INTO job_events (job_id, at, actor, type, from_status, to_status, detail)"
                    + " VALUES (:id, 5, 'alice', 'submitted', NULL, 'pending', 'queued')").bind("id", local.id().value()).execute());
        }

        try (SqliteDatabase upgraded = SqliteDatabase.open(SqliteOptions.inHome(home))) {
            assertThat(upgraded.schemaVersion()).isEqualTo(SqliteDatabase.LATEST_VERSION);
            SqliteJobStore store = new SqliteJobStore(upgraded);
            Job localAfter = store.read(r -> r.find(local.id())).orElseThrow();
            Job cloudAfter = store.read(r -> r.find(cloud.id())).orElseThrow();
            assertThat(localAfter.placement()).isEqualTo(Placement.localGpus(List.of(1, 3)));
            assertThat(cloudAfter.placement()).as("a cloud job runs on its provider").isEqualTo(Placement.on("replicate"));
            assertThat(new SqliteUserDirectory(upgraded, Clock.systemUTC()).add("bob", Level.ADMIN, null, "h").id())
                    .isEqualTo(1);
            List<Integer> versions = upgraded.read(h -> h.createQuery("SELECT version FROM schema_version ORDER BY version")
                    .mapTo(Integer.class).list());
            assertThat(versions).containsExactly(1, 2, 3, 4, 5, 6, 7);
            List<QueueEvent> events = store.read(r -> r.events(local.id()));
            assertThat(events).singleElement().satisfies(e -> {
                assertThat(e.type()).isEqualTo(QueueEvent.Type.SUBMITTED);
                assertThat(e.userId()).as("the owner, from the job").isEqualTo(local.userId());
                assertThat(e.id()).isEqualTo(1);
            });
        }
    }

    @Test
    void aNewerDatabaseIsRefusedNamingBothVersionsAndLeftByteForByteUnchanged() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home))) {
            new SqliteJobStore(db).inTransaction(tx -> tx.insert(job().build()));
        }
        sql(file(), "INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'from the future', 0)",
                "PRAGMA journal_mode = DELETE");
        byte[] before = Files.readAllBytes(file());

        assertThatThrownBy(() -> SqliteDatabase.open(SqliteOptions.inHome(home)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file().toString())
                .hasMessageContaining("schema version 99")
                .hasMessageContaining("supports (" + SqliteDatabase.LATEST_VERSION + ")");

        assertThat(Files.readAllBytes(file())).isEqualTo(before);
    }

    @Test
    void aNewerDatabaseStillInWalModeIsRefusedAndUnchangedToo() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home))) {
            db.write(h -> h.execute("INSERT INTO schema_version (version, description, applied_at) VALUES ("
                    + (SqliteDatabase.LATEST_VERSION + 1) + ", 'later', 0)"));
        }
        assertThat(home.resolve("jobs.db-wal")).doesNotExist();
        byte[] before = Files.readAllBytes(file());

        assertThatThrownBy(() -> SqliteDatabase.open(SqliteOptions.inHome(home)))
                .isInstanceOf(StoreException.class).hasMessageContaining("schema version " + (SqliteDatabase.LATEST_VERSION + 1));

        assertThat(Files.readAllBytes(file())).isEqualTo(before);
    }

    @Test
    void aFileThatIsNotADatabaseIsRefusedNamingTheFile() throws Exception {
        Files.writeString(file(), "this is a text file, not a database ".repeat(200));
        byte[] before = Files.readAllBytes(file());

        assertThatThrownBy(() -> SqliteDatabase.open(SqliteOptions.inHome(home)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("jobs.db is not a usable SQLite database");
        assertThat(Files.readAllBytes(file())).isEqualTo(before);
    }

    @Test
    void anotherApplicationsDatabaseIsRefused() throws Exception {
        sql(file(), "CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)");

        assertThatThrownBy(() -> SqliteDatabase.open(SqliteOptions.inHome(home)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("not a gpuqueue one")
                .hasMessageContaining("recipes");
    }

    @Test
    void aDirectoryThatCannotBeCreatedGivesAClearError() throws Exception {
        Path blocker = home.resolve("not-a-dir");
        Files.writeString(blocker, "x");

        assertThatThrownBy(() -> SqliteDatabase.open(SqliteOptions.inHome(blocker.resolve("home"))))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot create the directory " + blocker.resolve("home"));
    }

    @Test
    void aLockHeldElsewherePastTheTimeoutIsAStoreUnavailableErrorAndChangesNothing() throws Exception {
        SqliteOptions options = SqliteOptions.inHome(home).withBusyTimeout(Duration.ofMillis(200));
        try (SqliteDatabase db = SqliteDatabase.open(options);
                Connection other = DriverManager.getConnection("jdbc:sqlite:" + file());
                Statement holder = other.createStatement()) {
            SqliteJobStore store = new SqliteJobStore(db);
            holder.execute("BEGIN IMMEDIATE");

            assertThatThrownBy(() -> store.inTransaction(tx -> tx.insert(job().build())))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("is busy")
                    .hasMessageContaining("200 ms");

            holder.execute("ROLLBACK");
            long stored = store.read(r -> r.count(JobQuery.all()));
            assertThat(stored).isZero();
            store.inTransaction(tx -> tx.insert(job().build()));
        }
    }

    @Test
    void aClosedDatabaseSaysSo() {
        SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home));
        db.close();

        assertThatThrownBy(() -> new SqliteJobStore(db).read(r -> r.settings()))
                .isInstanceOf(StoreException.class).hasMessageContaining("is closed");
        assertThat(db.health().ok()).isFalse();
    }

    @Test
    void theDatabaseAndItsDirectoryArePrivateToTheServersUser() throws Exception {
        Path dir = home.resolve("state");
        try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(dir))) {
            new SqliteJobStore(db).inTransaction(tx -> tx.insert(job().build()));
            assertThat(Files.getPosixFilePermissions(dir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            for (String name : List.of("jobs.db", "jobs.db-wal", "jobs.db-shm", ".jobs.db.created")) {
                assertThat(Files.getPosixFilePermissions(dir.resolve(name))).as(name)
                        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            }
        }
    }

    @Test
    void anOlderDatabaseReadableByOthersIsMadePrivateOnOpen() throws Exception {
        SqliteDatabase.open(SqliteOptions.inHome(home)).close();
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-r--r--"));

        SqliteDatabase.open(SqliteOptions.inHome(home)).close();

        assertThat(Files.getPosixFilePermissions(file())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aDatabaseDeletedUnderARunningServerIsNoticedAndWritesAreRefused() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home))) {
            SqliteJobStore store = new SqliteJobStore(db);
            store.inTransaction(tx -> tx.insert(job().build()));
            assertThat(store.health().ok()).isTrue();

            for (String suffix : List.of("", "-wal", "-shm")) {
                Files.deleteIfExists(home.resolve("jobs.db" + suffix));
            }

            assertThat(store.health().ok()).isFalse();
            assertThat(store.health().problem()).contains("jobs.db was deleted while the server runs");
            assertThatThrownBy(() -> store.inTransaction(tx -> tx.insert(job().build())))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("was deleted");
        }
    }

    @Test
    void aDatabaseReplacedUnderARunningServerIsNoticed() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home))) {
            Path copy = home.resolve("copy.db");
            Files.copy(file(), copy);
            Files.move(copy, file(), StandardCopyOption.REPLACE_EXISTING);

            assertThat(db.health().problem()).contains("was replaced while the server runs");
            assertThatThrownBy(() -> new SqliteJobStore(db).inTransaction(tx -> tx.insert(job().build())))
                    .isInstanceOf(StoreUnavailableException.class);
        }
    }

    @Test
    void aMissingDatabaseWhereOneExistedIsRefusedUnlessANewOneIsAskedFor() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home))) {
            new SqliteJobStore(db).inTransaction(tx -> tx.insert(job().build()));
        }
        for (String suffix : List.of("", "-wal", "-shm")) {
            Files.deleteIfExists(home.resolve("jobs.db" + suffix));
        }

        assertThatThrownBy(() -> SqliteDatabase.open(SqliteOptions.inHome(home)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("is missing, but this directory held one")
                .hasMessageContaining("--new-database");
        assertThat(file()).doesNotExist();

        try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home).withNewDatabase(true))) {
            long jobs = new SqliteJobStore(db).read(r -> r.count(JobQuery.all()));
            assertThat(jobs).isZero();
        }
        SqliteDatabase.open(SqliteOptions.inHome(home)).close();
    }

    @Test
    void healthReportsTheLastFailedWriteUntilAWriteSucceeds() throws Exception {
        SqliteOptions options = SqliteOptions.inHome(home).withBusyTimeout(Duration.ofMillis(100));
        try (SqliteDatabase db = SqliteDatabase.open(options);
                Connection other = DriverManager.getConnection("jdbc:sqlite:" + file());
                Statement holder = other.createStatement()) {
            SqliteJobStore store = new SqliteJobStore(db);
            holder.execute("BEGIN IMMEDIATE");
            assertThatThrownBy(() -> store.inTransaction(tx -> tx.insert(job().build())))
                    .isInstanceOf(StoreUnavailableException.class);

            assertThat(store.health().ok()).isFalse();
            assertThat(store.health().problem()).contains("jobs.db is busy");
            assertThat(store.health().since()).isNotNull();

            holder.execute("ROLLBACK");
            store.inTransaction(tx -> tx.insert(job().build()));
            assertThat(store.health()).isEqualTo(StoreHealth.OK);
        }
    }

    @Test
    void healthAnswersAtOnceWhileEveryReaderConnectionIsBusy() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home))) {
            int readers = db.options().readConnections();
            CountDownLatch holding = new CountDownLatch(readers);
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(readers + 1);
            try {
                for (int i = 0; i < readers; i++) {
                    pool.submit(() -> db.read(h -> {
                        holding.countDown();
                        try {
                            return release.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return false;
                        }
                    }));
                }
                assertThat(holding.await(10, TimeUnit.SECONDS)).as("every reader taken").isTrue();

                Future<StoreHealth> health = pool.submit(db::health);

                assertThat(health.get(1, TimeUnit.SECONDS)).isEqualTo(StoreHealth.OK);
            } finally {
                release.countDown();
                pool.shutdown();
            }
        }
    }

    @Test
    void aWriteThatFoundTheLockTakenLeavesTheWriterReadyForRealTransactions() throws Exception {
        SqliteOptions options = SqliteOptions.inHome(home).withBusyTimeout(Duration.ofMillis(100));
        try (SqliteDatabase db = SqliteDatabase.open(options);
                Connection other = DriverManager.getConnection("jdbc:sqlite:" + file());
                Statement holder = other.createStatement()) {
            SqliteJobStore store = new SqliteJobStore(db);
            holder.execute("BEGIN IMMEDIATE");
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> store.inTransaction(tx -> tx.insert(job().build())))
                        .as("still locked").isInstanceOf(StoreUnavailableException.class);
                assertThatThrownBy(() -> store.inTransaction(tx -> tx.settings()))
                        .as("a unit that only reads needs the lock too").isInstanceOf(StoreUnavailableException.class);
                assertThat(db.health().ok()).isFalse();
            }
            holder.execute("ROLLBACK");

            store.inTransaction(tx -> tx.insert(job().build()));

            try (Statement reader = other.createStatement();
                    var rows = reader.executeQuery("SELECT COUNT(*) FROM jobs")) {
                rows.next();
                assertThat(rows.getInt(1)).as("committed and visible to another connection").isEqualTo(1);
            }
        }
    }
}
