package dev.gpuqueue.sqlite;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.UserDirectory;
import dev.gpuqueue.core.port.WorkerRegistry;
import java.time.Clock;

/**
 * Binds the SQLite stores on a database opened by the caller's lifecycle (this module opens
 * nothing). Needs a {@link Clock} bound elsewhere.
 */
public final class SqliteModule extends AbstractModule {
    private final SqliteDatabase db;

    public SqliteModule(SqliteDatabase db) {
        this.db = db;
    }

    @Override
    protected void configure() {
        bind(SqliteDatabase.class).toInstance(db);
        bind(JobStore.class).to(SqliteJobStore.class);
        bind(UserDirectory.class).to(SqliteUserDirectory.class);
        bind(WorkerRegistry.class).to(SqliteWorkerRegistry.class);
    }

    @Provides
    @Singleton
    SqliteJobStore jobStore() {
        return new SqliteJobStore(db);
    }

    @Provides
    @Singleton
    SqliteUserDirectory userDirectory(Clock clock) {
        return new SqliteUserDirectory(db, clock);
    }

    @Provides
    @Singleton
    SqliteWorkerRegistry workerRegistry() {
        return new SqliteWorkerRegistry(db);
    }
}
