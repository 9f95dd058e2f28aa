package dev.gpuqueue.sqlite;

import static dev.gpuqueue.core.testing.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.Worker;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.UserDirectory;
import dev.gpuqueue.core.port.WorkerRegistry;
import dev.gpuqueue.core.service.ApiTokens;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteModuleTest {
    @TempDir
    Path home;

    @Test
    void theModuleWiresBothStoresOnOneDatabase() {
        try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home))) {
            Injector injector = Guice.createInjector(new SqliteModule(db), new AbstractModule() {
                @Override
                protected void configure() {
                    bind(Clock.class).toInstance(Clock.systemUTC());
                }
            });
            JobStore store = injector.getInstance(JobStore.class);
            UserDirectory users = injector.getInstance(UserDirectory.class);

            Job stored = store.inTransaction(tx -> tx.insert(job().build()));
            String token = ApiTokens.generate();
            users.add("alice", Level.ADMIN, null, ApiTokens.hash(token));

            Optional<Job> found = store.read(r -> r.find(stored.id()));
            assertThat(found).contains(stored);
            assertThat(users.findByTokenHash(ApiTokens.hash(token))).isPresent();
            assertThat(injector.getInstance(JobStore.class)).isSameAs(store);
            assertThat(injector.getInstance(SqliteDatabase.class)).isSameAs(db);

            WorkerRegistry workers = injector.getInstance(WorkerRegistry.class);
            Worker worker = Worker.created("w1", null, Map.of(), Instant.parse("2024-05-01T12:00:00Z"));
            workers.add(worker, "worker-hash");
            assertThat(workers).isInstanceOf(SqliteWorkerRegistry.class);
            assertThat(injector.getInstance(WorkerRegistry.class)).isSameAs(workers);
            assertThat(new SqliteWorkerRegistry(db).find("w1")).as("stored in the same database").contains(worker);
        }
    }
}
