package dev.gpuqueue.sqlite;

import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.testing.JobStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class SqliteJobStoreTest extends JobStoreContract {
    @TempDir
    Path home;

    private SqliteDatabase db;

    @Override
    protected JobStore newStore() {
        db = SqliteDatabase.open(SqliteOptions.inHome(home).withSynchronous("NORMAL"));
        return new SqliteJobStore(db);
    }

    @AfterEach
    void close() {
        db.close();
    }
}
