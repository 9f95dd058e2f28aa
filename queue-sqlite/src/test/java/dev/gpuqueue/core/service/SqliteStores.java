package dev.gpuqueue.core.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.sqlite.SqliteDatabase;
import dev.gpuqueue.sqlite.SqliteJobStore;
import dev.gpuqueue.sqlite.SqliteOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * New SQLite stores, each on its own file in a fresh directory, closed and deleted after each test.
 * After each test, every store's memory must equal what a restart would load from its file (the
 * active jobs, the settings, the counts). Without fsync: these tests check behaviour, not durability.
 * Not thread-safe (one per test class).
 */
final class SqliteStores implements AfterEachCallback {
    private final List<SqliteDatabase> open = new ArrayList<>();
    private final List<SqliteJobStore> stores = new ArrayList<>();
    private final List<Path> homes = new ArrayList<>();

    JobStore newStore() {
        try {
            Path home = Files.createTempDirectory("gpuqueue-store");
            homes.add(home);
            SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home).withSynchronous("OFF"));
            open.add(db);
            SqliteJobStore store = new SqliteJobStore(db);
            stores.add(store);
            return store;
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a directory for a test database", e);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        for (SqliteJobStore store : stores) {
            assertThat(store.memoryMatchesFile()).as("the store's memory equals what a restart loads from its file")
                    .isTrue();
        }
        stores.clear();
        open.forEach(SqliteDatabase::close);
        open.clear();
        for (Path home : homes) {
            try (Stream<Path> files = Files.walk(home)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
        homes.clear();
    }
}
