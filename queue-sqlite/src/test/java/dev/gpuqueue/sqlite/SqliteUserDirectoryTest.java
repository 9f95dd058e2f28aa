package dev.gpuqueue.sqlite;

import dev.gpuqueue.core.port.UserDirectory;
import dev.gpuqueue.core.testing.UserDirectoryContract;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class SqliteUserDirectoryTest extends UserDirectoryContract {
    @TempDir
    Path home;

    private SqliteDatabase db;

    @Override
    protected UserDirectory newDirectory() {
        db = SqliteDatabase.open(SqliteOptions.inHome(home));
        return new SqliteUserDirectory(db, Clock.systemUTC());
    }

    @AfterEach
    void close() {
        db.close();
    }
}
