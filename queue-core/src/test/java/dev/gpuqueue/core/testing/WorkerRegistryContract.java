package dev.gpuqueue.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.model.Worker;
import dev.gpuqueue.core.port.WorkerRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link WorkerRegistry} must do. An implementation's test extends this with a fresh, empty registry. */
public abstract class WorkerRegistryContract {
    /** Instants with microseconds, the precision every registry keeps. */
    protected static final Instant CREATED = Instant.parse("2024-05-01T12:00:00.123456Z");
    protected static final Instant REGISTERED = Instant.parse("2024-05-01T12:05:30.654321Z");

    protected WorkerRegistry workers;

    protected abstract WorkerRegistry newRegistry() throws Exception;

    @BeforeEach
    void createRegistry() throws Exception {
        workers = newRegistry();
    }

    /** A worker as an admin just created it. */
    protected static Worker created(String id) {
        return Worker.created(id, null, Map.of("rack", "a"), CREATED);
    }

    /** Two GPUs: one with every figure reported, one with every optional figure missing. */
    protected static List<GpuDevice> gpus() {
        return List.of(
                new GpuDevice(0, "GPU-0a1b", "00000000:17:00.0", "NVIDIA H100 80GB HBM3", 85_899_345_920L,
                        3_221_225_472L, 42, 2, false),
                new GpuDevice(3, null, null, "NVIDIA A100-SXM4-40GB", 0, 0, null, null, null));
    }

    @Test
    void startsEmpty() {
        assertThat(workers.list()).isEmpty();
        assertThat(workers.find("w1")).isEmpty();
        assertThat(workers.findByTokenHash("hash")).isEmpty();
    }

    @Test
    void anAddedWorkerIsFoundByIdAndTokenHashAndListedById() {
        Worker b = created("worker-b");
        Worker a = created("worker-a");
        Worker c = Worker.created("c.3", "cpu", Map.of(), CREATED);

        workers.add(b, "hash-b");
        workers.add(a, "hash-a");
        workers.add(c, "hash-c");

        assertThat(workers.find("worker-a")).contains(a);
        assertThat(workers.find("worker-x")).isEmpty();
        assertThat(workers.findByTokenHash("hash-b")).contains(b);
        assertThat(workers.findByTokenHash("hash-x")).isEmpty();
        assertThat(workers.list()).containsExactly(c, a, b);
        assertThat(workers.find("c.3").orElseThrow().workerType()).isEqualTo("cpu");
        assertThat(workers.find("worker-a").orElseThrow().workerType()).isEqualTo(Worker.DEFAULT_TYPE);
    }

    @Test
    void addingATakenIdConflictsAndChangesNothing() {
        Worker first = created("w1");
        workers.add(first, "hash-1");

        Worker second = Worker.created("w1", "cpu", Map.of("zone", "b"), REGISTERED);
        assertThatThrownBy(() -> workers.add(second, "hash-2")).isInstanceOf(ConflictException.class)
                .hasMessageContaining("w1");

        assertThat(workers.list()).containsExactly(first);
        assertThat(workers.findByTokenHash("hash-1")).contains(first);
        assertThat(workers.findByTokenHash("hash-2")).isEmpty();
    }

    @Test
    void anUpdateReplacesTheRecordAndKeepsTheTokenHash() {
        workers.add(created("w1"), "hash-1");
        Worker changed = created("w1").registered(Map.of("cuda", "12.4", "rack", "reported"), gpus(), REGISTERED)
                .withDraining(true);

        workers.update(changed);

        Worker found = workers.find("w1").orElseThrow();
        assertThat(found).isEqualTo(changed);
        assertThat(found.draining()).isTrue();
        assertThat(found.registeredAt()).isEqualTo(REGISTERED);
        assertThat(found.createdAt()).isEqualTo(CREATED);
        assertThat(found.reportedLabels()).isEqualTo(Map.of("cuda", "12.4", "rack", "reported"));
        assertThat(found.gpus()).containsExactlyElementsOf(gpus());
        assertThat(workers.findByTokenHash("hash-1")).contains(changed);
        assertThat(workers.list()).containsExactly(changed);

        Worker undrained = changed.withDraining(false);
        workers.update(undrained);
        assertThat(workers.find("w1")).contains(undrained);
    }

    @Test
    void anUpdateCanEmptyWhatWasReported() {
        Worker reported = created("w1").registered(Map.of("cuda", "12.4"), gpus(), REGISTERED);
        workers.add(reported, "hash-1");
        assertThat(workers.find("w1")).contains(reported);

        Worker emptied = new Worker("w1", "gpu", Map.of(), Map.of(), List.of(), false, CREATED, null);
        workers.update(emptied);

        assertThat(workers.find("w1")).contains(emptied);
        assertThat(workers.find("w1").orElseThrow().registeredAt()).isNull();
    }

    @Test
    void updatingOrReplacingTheTokenOfAnUnknownWorkerIsNotFound() {
        workers.add(created("w1"), "hash-1");

        assertThatThrownBy(() -> workers.update(created("w2"))).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("w2");
        assertThatThrownBy(() -> workers.replaceTokenHash("w2", "hash-2")).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("w2");

        assertThat(workers.list()).containsExactly(created("w1"));
        assertThat(workers.findByTokenHash("hash-2")).isEmpty();
    }

    @Test
    void aReplacedTokenHashStopsTheOldOneAtOnce() {
        Worker w1 = created("w1");
        workers.add(w1, "old");

        workers.replaceTokenHash("w1", "new");

        assertThat(workers.findByTokenHash("old")).isEmpty();
        assertThat(workers.findByTokenHash("new")).contains(w1);
        assertThat(workers.find("w1")).contains(w1);
    }

    @Test
    void aRemovedWorkerIsGoneWithItsToken() {
        Worker w1 = created("w1");
        Worker w2 = created("w2");
        workers.add(w1, "hash-1");
        workers.add(w2, "hash-2");

        assertThat(workers.remove("w1")).isTrue();
        assertThat(workers.remove("w1")).isFalse();
        assertThat(workers.remove("never")).isFalse();

        assertThat(workers.find("w1")).isEmpty();
        assertThat(workers.findByTokenHash("hash-1")).isEmpty();
        assertThat(workers.list()).containsExactly(w2);
        assertThat(workers.findByTokenHash("hash-2")).contains(w2);
    }

    @Test
    void adminAndReportedLabelsAreKeptApartAndTheAdminsWinWhenMerged() {
        Worker worker = new Worker("w1", "gpu", Map.of("rack", "admin-rack", "owner", "ml"),
                Map.of("rack", "reported-rack", "cuda", "12.4"), List.of(), false, CREATED, REGISTERED);
        workers.add(worker, "hash-1");

        Worker found = workers.find("w1").orElseThrow();

        assertThat(found.adminLabels()).isEqualTo(Map.of("rack", "admin-rack", "owner", "ml"));
        assertThat(found.reportedLabels()).isEqualTo(Map.of("rack", "reported-rack", "cuda", "12.4"));
        assertThat(found.labels()).isEqualTo(Map.of("rack", "admin-rack", "owner", "ml", "cuda", "12.4"));
    }

    @Test
    void everyGpuFieldRoundTripsIncludingTheMissingOnes() {
        Worker worker = new Worker("w1", "gpu", Map.of(), Map.of(), gpus(), false, CREATED, REGISTERED);
        workers.add(worker, "hash-1");

        List<GpuDevice> found = workers.find("w1").orElseThrow().gpus();

        assertThat(found).containsExactlyElementsOf(gpus());
        GpuDevice missing = found.get(1);
        assertThat(missing.uuid()).isNull();
        assertThat(missing.pciBusId()).isNull();
        assertThat(missing.utilizationPercent()).isNull();
        assertThat(missing.computeProcesses()).isNull();
        assertThat(missing.migEnabled()).isNull();
        assertThat(found.get(0).memoryTotalBytes()).as("more than 2^31").isEqualTo(85_899_345_920L);
    }

    @Test
    void instantsRoundTripToTheMicrosecond() {
        Instant created = Instant.parse("1999-12-31T23:59:59.999999Z");
        Instant registered = Instant.parse("2038-01-19T03:14:08.000001Z");
        Worker worker = new Worker("w1", "gpu", Map.of(), Map.of(), List.of(), false, created, registered);
        workers.add(worker, "hash-1");

        Worker found = workers.find("w1").orElseThrow();

        assertThat(found.createdAt()).isEqualTo(created);
        assertThat(found.registeredAt()).isEqualTo(registered);
    }
}
