package dev.gpuqueue.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.error.StoreUnavailableException;
import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.memory.InMemoryUserDirectory;
import dev.gpuqueue.core.port.CommitListener;
import dev.gpuqueue.core.port.HostStatus;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.port.JobReader;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.JobTransaction;
import dev.gpuqueue.core.port.StoreHealth;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.core.testing.FakeGpuInventory;
import dev.gpuqueue.core.testing.MutableClock;
import dev.gpuqueue.core.testing.QueueHarness;
import dev.gpuqueue.core.testing.RecordingRunner;
import dev.gpuqueue.core.testing.TestJobs;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** A busy database is a 503 with a detail, and health says so; never a 500. */
class StoreUnavailableTest {

    /** A store that can be made busy, as SQLite is when another process holds its lock too long. */
    static final class BusyStore implements JobStore {
        final JobStore inner = new InMemoryJobStore();
        final AtomicBoolean busy = new AtomicBoolean();

        @Override
        public <T> T read(Function<JobReader, T> work) {
            check();
            return inner.read(work);
        }

        @Override
        public <T> T inTransaction(Function<JobTransaction, T> work) {
            check();
            return inner.inTransaction(work);
        }

        @Override
        public void addCommitListener(CommitListener listener) {
            inner.addCommitListener(listener);
        }

        @Override
        public StoreHealth health() {
            return busy.get() ? StoreHealth.failing("the database jobs.db is busy", null) : StoreHealth.OK;
        }

        private void check() {
            if (busy.get()) {
                throw new StoreUnavailableException("the database jobs.db is busy: another process held its lock for more"
                        + " than 5000 ms; retry shortly", null);
            }
        }
    }

    @Test
    void aBusyStoreIsAnswered503WithTheDetailAndHealthIsDegraded() throws Exception {
        BusyStore store = new BusyStore();
        QueueHarness h = new QueueHarness(store, FakeGpuInventory.withGpus(1), new RecordingRunner(),
                MutableClock.at(TestJobs.T0));
        Javalin app = HttpApi.create(new ApiDependencies(h.service(), h.scheduler(), h.queue.workers(), h.gpus,
                HostStatus.unknown(), JobLogs.none(), new UserAdmin(new InMemoryUserDirectory(), h.store, h.clock), CallerResolver.singleUserAdmin(), h.clock));
        app.start("127.0.0.1", 0);
        try {
            HttpClient client = HttpClient.newHttpClient();
            store.busy.set(true);
            HttpResponse<String> submit = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.port() + "/api/queue/submit"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"config_name\": \"train\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.port() + "/api/health")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(submit.statusCode()).isEqualTo(503);
            assertThat(submit.body()).isEqualTo("{\"error\":\"service_unavailable\",\"detail\":\"the database jobs.db is busy:"
                    + " another process held its lock for more than 5000 ms; retry shortly\"}");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).contains("\"database\":\"failing\"").contains("the database jobs.db is busy");
            store.busy.set(false);
            assertThat(h.jobCount()).isZero();
        } finally {
            app.stop();
        }
    }
}
