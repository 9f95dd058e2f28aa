package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.QueueHarness.ALICE;
import static dev.gpuqueue.core.testing.QueueHarness.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.IllegalTransitionException;
import dev.gpuqueue.core.error.StoreUnavailableException;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.testing.Await;
import dev.gpuqueue.core.testing.FlakyJobStore;
import dev.gpuqueue.core.testing.QueueHarness;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An attempt's end, once known, reaches the store even when the store cannot be written at that moment. */
class UnwritableStoreTest extends StoreBackedTest {
    private FlakyJobStore store;
    private QueueHarness h;

    @BeforeEach
    void queue() {
        store = new FlakyJobStore(newStore());
        h = new QueueHarness(store);
    }

    @Test
    void anEndThatCannotBeStoredIsKeptAndRetriedUntilStoredThenTheNextJobStarts() {
        JobId first = h.submit(ALICE, "train").jobId();
        JobId second = h.submit(BOB, "train").jobId();
        store.failWrites(() -> new StoreUnavailableException("the database is busy", null));

        h.runner.finish(first, 3);

        assertThat(h.job(first).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.job(first).allocatedGpus()).containsExactly(0);
        Await.until("a few refused retries", Duration.ofSeconds(5), () -> store.refusedWrites() >= 3);
        assertThat(h.job(first).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.job(second).status()).isEqualTo(JobStatus.PENDING);

        store.heal();

        Await.until("the kept end to be stored", Duration.ofSeconds(5),
                () -> h.job(first).status() == JobStatus.FAILED);
        assertThat(h.job(first).exitCode()).isEqualTo(3);
        assertThat(h.job(first).completedAt()).isEqualTo(h.clock.instant());
        Await.until("the next job to start", Duration.ofSeconds(5), () -> h.job(second).status() == JobStatus.RUNNING);
        assertThat(h.job(second).allocatedGpus()).containsExactly(0);
    }

    @Test
    void theTickRecordsARunningJobWhoseProcessIsGoneFromItsKnownExitCode() {
        JobId first = h.submit(ALICE, "train").jobId();
        JobId second = h.submit(BOB, "train").jobId();
        h.runner.forget(first);
        h.runner.recordExit(first, 0);

        assertThat(h.scheduler().checkRunningJobs()).isEqualTo(1);

        assertThat(h.job(first).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(h.job(second).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.scheduler().checkRunningJobs()).as("nothing left to find").isZero();
    }

    @Test
    void theTickRequeuesARunningJobWhoseProcessVanishedWithoutAnExitStatus() {
        JobId first = h.submit(ALICE, "train").jobId();
        h.runner.forget(first);

        h.scheduler().checkRunningJobs();

        assertThat(h.eventTypes(first)).contains(QueueEvent.Type.LOST);
        assertThat(h.job(first).attempt()).isEqualTo(2);
        assertThat(h.job(first).status()).as("requeued, then started again at once").isEqualTo(JobStatus.RUNNING);
        assertThat(h.runner.overlaps()).isZero();
    }

    @Test
    void theTickLeavesLiveProcessesAlone() {
        JobId first = h.submit(ALICE, "train").jobId();

        assertThat(h.scheduler().checkRunningJobs()).isZero();

        assertThat(h.job(first).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.job(first).attempt()).isEqualTo(1);
    }

    @Test
    void aCancelAfterTheStoreHealsStoresTheKeptEndInsteadOfOverwritingIt() {
        JobId first = h.submit(ALICE, "train").jobId();
        store.failWrites(() -> new StoreUnavailableException("the database is busy", null));
        h.runner.finish(first, 0);
        store.heal();

        assertThatThrownBy(() -> h.service().cancel(ALICE, first)).isInstanceOf(IllegalTransitionException.class);

        assertThat(h.job(first).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(h.job(first).exitCode()).isZero();
    }

    @Test
    void aTimeLimitNeverOverwritesAKeptEnd() {
        JobId limited = h.submit(ALICE, "short").jobId();
        store.failWrites(() -> new StoreUnavailableException("the database is busy", null));
        h.runner.finish(limited, 0);
        h.clock.advance(Duration.ofSeconds(61));

        assertThat(h.scheduler().enforceTimeLimits()).isEmpty();
        store.heal();

        Await.until("the kept end to be stored", Duration.ofSeconds(5),
                () -> h.job(limited).status() == JobStatus.COMPLETED);
        assertThat(h.job(limited).errorMessage()).isNull();
    }
}
