package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.QueueHarness.ADMIN;
import static dev.gpuqueue.core.testing.QueueHarness.ALICE;
import static dev.gpuqueue.core.testing.QueueHarness.BOB;
import static dev.gpuqueue.core.testing.QueueHarness.CAROL;
import static dev.gpuqueue.core.testing.QueueHarness.LEAD;
import static dev.gpuqueue.core.testing.QueueHarness.VICTOR;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.testing.QueueHarness;
import dev.gpuqueue.core.testing.RecordingRunner;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReconcilerTest extends StoreBackedTest {

    @Test
    void recoveryFinishesAdoptsRequeuesAndFailsEachRunningJobAsItsEvidenceSays() {
        QueueHarness before = new QueueHarness(newStore());
        before.gpus.resize(5);
        before.settings(Map.of("local_job_max_concurrent", 5, "max_concurrent", 6));
        JobId exitedOk = before.submit(ALICE, "train").jobId();
        JobId exitedBad = before.submit(BOB, "train").jobId();
        JobId alive = before.submit(CAROL, "train").jobId();
        JobId lost = before.submit(LEAD, "train").jobId();
        JobId lostLastAttempt = before.submit(ADMIN, "once").jobId();
        JobId waiting = before.submit(VICTOR, "train").jobId();
        assertThat(before.running()).hasSize(5);
        assertThat(before.job(waiting).status()).isEqualTo(JobStatus.PENDING);
        var aliveGpus = before.job(alive).allocatedGpus();

        // The server dies; while it is down two jobs end, one keeps running, two vanish without a trace.
        RecordingRunner afterCrash = new RecordingRunner();
        afterCrash.recordExit(exitedOk, 0);
        afterCrash.recordExit(exitedBad, 2);
        afterCrash.markAlive(alive, 1);
        QueueHarness after = before.restarted(afterCrash);

        Reconciler.Report report = after.queue.recover();

        assertThat(report.finished()).extracting(Job::id).containsExactlyInAnyOrder(exitedOk, exitedBad);
        assertThat(report.adopted()).extracting(Job::id).containsExactly(alive);
        assertThat(report.requeued()).extracting(Job::id).containsExactly(lost);
        assertThat(report.failed()).extracting(Job::id).containsExactly(lostLastAttempt);

        assertThat(after.job(exitedOk).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(after.job(exitedBad).status()).isEqualTo(JobStatus.FAILED);
        assertThat(after.job(exitedBad).errorMessage()).isEqualTo("exited with code 2");
        assertThat(after.job(alive).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(after.job(alive).allocatedGpus()).isEqualTo(aliveGpus);
        assertThat(after.job(lostLastAttempt).status()).isEqualTo(JobStatus.FAILED);
        assertThat(after.job(lostLastAttempt).errorMessage()).isEqualTo("lost after restart");

        // The pass after recovery starts the requeued job (attempt 2) and the one that was waiting.
        assertThat(after.job(lost).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(after.job(lost).attempt()).isEqualTo(2);
        assertThat(after.job(waiting).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(afterCrash.launchedIds()).containsExactlyInAnyOrder(lost, waiting);
        assertThat(afterCrash.adopted()).containsExactly(alive);
        assertThat(after.job(lost).allocatedGpus()).doesNotContainAnyElementsOf(aliveGpus);
        assertThat(after.job(waiting).allocatedGpus()).doesNotContainAnyElementsOf(aliveGpus);

        assertThat(after.events(exitedOk)).last().satisfies(e -> {
            assertThat(e.actor()).isEqualTo("reconciler");
            assertThat(e.type()).isEqualTo(QueueEvent.Type.COMPLETED);
        });
        assertThat(after.eventTypes(alive)).endsWith(QueueEvent.Type.ADOPTED);
        assertThat(after.eventTypes(lost)).contains(QueueEvent.Type.LOST);

        // The adopted job is watched: its end is recorded and frees its GPUs.
        afterCrash.finish(alive, 0);
        assertThat(after.job(alive).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(after.service().stats().local().allocatedGpus()).doesNotContainAnyElementsOf(aliveGpus);
    }

    @Test
    void recoveryWithNothingRunningJustRunsAPass() {
        QueueHarness h = new QueueHarness(newStore());
        JobId first = h.submit(ALICE, "train").jobId();
        h.runner.finish(first, 0);

        Reconciler.Report report = h.restarted(new RecordingRunner()).queue.recover();

        assertThat(report.finished()).isEmpty();
        assertThat(report.adopted()).isEmpty();
        assertThat(report.pass().started()).isEmpty();
    }
}
