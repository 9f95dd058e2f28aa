package dev.gpuqueue.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.testing.JobStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
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

    @Test
    void aStoredSettingThatNoLongerFitsReadsAsItsDefaultInsteadOfFailingEveryRead() {
        JobStore store = newStore();
        db.write(h -> h.execute("INSERT INTO settings (name, value) VALUES ('max_concurrent', '5000'),"
                + " ('user_max_concurrent', '\"two\"'), ('team_max_concurrent', '7')"));

        QueueSettings settings = store.read(r -> r.settings());

        assertThat(settings.maxConcurrent()).isEqualTo(QueueSettings.DEFAULTS.maxConcurrent());
        assertThat(settings.userMaxConcurrent()).isEqualTo(QueueSettings.DEFAULTS.userMaxConcurrent());
        assertThat(settings.teamMaxConcurrent()).as("the good ones are kept").isEqualTo(7);
    }
}
