package dev.gpuqueue.sqlite;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.UserDirectory;
import java.time.Clock;

/**
 * Binds the SQLite stores. Needs {@link SqliteOptions} and a {@link Clock} bound elsewhere; opens
 * nothing at configuration time (the database opens when first injected; close it on shutdown).
 */
public final class SqliteModule extends AbstractModule {
    @Override
    protected void configure() {
        bind(JobStore.class).to(SqliteJobStore.class);
        bind(UserDirectory.class).to(SqliteUserDirectory.class);
    }

    @Provides
    @Singleton
    SqliteDatabase database(SqliteOptions options) {
        return SqliteDatabase.open(options);
    }

    @Provides
    @Singleton
    SqliteJobStore jobStore(SqliteDatabase db) {
        return new SqliteJobStore(db);
    }

    @Provides
    @Singleton
    SqliteUserDirectory userDirectory(SqliteDatabase db, Clock clock) {
        return new SqliteUserDirectory(db, clock);
    }
}
