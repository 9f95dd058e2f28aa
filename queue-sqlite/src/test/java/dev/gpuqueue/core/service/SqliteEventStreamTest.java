package dev.gpuqueue.core.service;

import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.sqlite.SqliteDatabase;
import dev.gpuqueue.sqlite.SqliteJobStore;
import dev.gpuqueue.sqlite.SqliteOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The event stream scenarios on a SQLite file. */
class SqliteEventStreamTest extends EventStreamScenarios {
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
