package dev.gpuqueue.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.Worker;
import dev.gpuqueue.core.port.WorkerRegistry;
import dev.gpuqueue.core.testing.WorkerRegistryContract;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteWorkerRegistryTest extends WorkerRegistryContract {
    @TempDir
    Path home;

    private SqliteDatabase db;

    @Override
    protected WorkerRegistry newRegistry() {
        db = SqliteDatabase.open(SqliteOptions.inHome(home));
        return new SqliteWorkerRegistry(db);
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aWorkerSurvivesClosingAndReopeningTheFile() {
        Worker worker = new Worker("w1", "gpu", Map.of("rack", "a"), Map.of("cuda", "12.4"), gpus(), true, CREATED,
                REGISTERED);
        workers.add(worker, "hash-1");
        workers.replaceTokenHash("w1", "hash-2");
        db.close();

        db = SqliteDatabase.open(SqliteOptions.inHome(home));
        WorkerRegistry reopened = new SqliteWorkerRegistry(db);

        assertThat(reopened.find("w1")).contains(worker);
        assertThat(reopened.findByTokenHash("hash-2")).contains(worker);
        assertThat(reopened.findByTokenHash("hash-1")).isEmpty();
        assertThat(reopened.list()).containsExactly(worker);
    }
}
