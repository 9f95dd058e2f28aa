package dev.gpuqueue.core.model;

import static dev.gpuqueue.core.testing.TestJobs.T0;
import static dev.gpuqueue.core.testing.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.IllegalTransitionException;
import dev.gpuqueue.core.error.LimitOutOfRangeException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobTest {
    private static final Instant LATER = T0.plusSeconds(600);

    @Test
    void labelsAndMetadataReadInKeyOrderWhateverOrderTheyCameIn() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("location", "us-*");
        labels.put("gpu_type", "a100*");
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("zeta", "1");
        metadata.put("alpha", "x");

        Job job = job().build().toBuilder().workerLabels(labels).metadata(metadata).build();

        assertThat(job.workerLabels().keySet()).containsExactly("gpu_type", "location");
        assertThat(job.metadata().keySet()).containsExactly("alpha", "zeta");
        assertThatThrownBy(() -> job.workerLabels().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void dispatchHoldsTheGpusFromNow() {
        Job running = job().build().dispatched(Placement.localGpus(List.of(0, 1)), LATER);

        assertThat(running.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(running.allocatedGpus()).containsExactly(0, 1);
        assertThat(running.startedAt()).isEqualTo(LATER);
        assertThat(running.queuedAt()).isEqualTo(T0);
    }

    @Test
    void completionAndFailureReleaseTheGpusAndKeepTheProcessForHistory() {
        Job running = job().running(2).build().launched(new ProcessRef(4242, T0));

        Job completed = running.completed(0, LATER);
        assertThat(completed.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(completed.allocatedGpus()).isEmpty();
        assertThat(completed.completedAt()).isEqualTo(LATER);
        assertThat(completed.exitCode()).isZero();
        assertThat(completed.process().pid()).isEqualTo(4242);

        Job failed = running.failed("exited with code 3", 3, LATER);
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.errorMessage()).isEqualTo("exited with code 3");
        assertThat(failed.allocatedGpus()).isEmpty();
    }

    @Test
    void cancellingATerminalJobIsAnErrorNotARewrite() {
        Job completed = job().running(0).build().completed(0, LATER);

        assertThatThrownBy(() -> completed.cancelled(LATER))
                .isInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining("completed");
        assertThatThrownBy(() -> completed.failed("x", 1, LATER)).isInstanceOf(IllegalTransitionException.class);
    }

    @Test
    void pendingBlockedAndRunningJobsCanBeCancelled() {
        assertThat(job().build().cancelled(LATER).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(job().blocked().build().cancelled(LATER).status()).isEqualTo(JobStatus.CANCELLED);
        Job cancelledRunning = job().running(0, 1).build().cancelled(LATER);
        assertThat(cancelledRunning.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelledRunning.allocatedGpus()).isEmpty();
    }

    @Test
    void onlyPendingJobsAreDispatched() {
        assertThatThrownBy(() -> job().blocked().build().dispatched(Placement.NONE, LATER))
                .isInstanceOf(IllegalTransitionException.class);
        assertThatThrownBy(() -> job().running(0).build().dispatched(Placement.NONE, LATER))
                .isInstanceOf(IllegalTransitionException.class);
    }

    @Test
    void requeueAddsAnAttemptAndKeepsQueuedAtAndAgingStart() {
        Job running = job().maxAttempts(3).running(1).build();

        Job requeued = running.requeued("lost after restart");

        assertThat(requeued.status()).isEqualTo(JobStatus.PENDING);
        assertThat(requeued.attempt()).isEqualTo(2);
        assertThat(requeued.queuedAt()).isEqualTo(T0);
        assertThat(requeued.agingSince()).isEqualTo(T0);
        assertThat(requeued.allocatedGpus()).isEmpty();
        assertThat(requeued.startedAt()).isNull();
        assertThat(requeued.errorMessage()).isEqualTo("lost after restart");
    }

    @Test
    void retryOrFailFailsWhenTheLastAttemptIsUsed() {
        Job lastAttempt = job().maxAttempts(2).attempt(2).running(0).build();

        Job result = lastAttempt.retryOrFail("lost after restart", LATER);

        assertThat(result.status()).isEqualTo(JobStatus.FAILED);
        assertThat(result.attempt()).isEqualTo(2);
        assertThat(result.errorMessage()).isEqualTo("lost after restart");
        assertThatThrownBy(() -> lastAttempt.requeued("again")).isInstanceOf(ConflictException.class);
    }

    @Test
    void approvalMakesTheJobPendingAndAgingStartsThen() {
        Job approved = job().blocked().build().approved(7, LATER);

        assertThat(approved.status()).isEqualTo(JobStatus.PENDING);
        assertThat(approved.agingSince()).isEqualTo(LATER);
        assertThat(approved.queuedAt()).isEqualTo(T0);
        assertThat(approved.approvalId()).isEqualTo(7L);
    }

    @Test
    void rejectionFailsTheJobWithTheReason() {
        Job rejected = job().blocked().build().rejected("too expensive", 7, LATER);

        assertThat(rejected.status()).isEqualTo(JobStatus.FAILED);
        assertThat(rejected.errorMessage()).isEqualTo("Rejected: too expensive");
        assertThat(rejected.completedAt()).isEqualTo(LATER);
    }

    @Test
    void onlyBlockedJobsAreApprovedOrRejected() {
        Job pending = job().build();
        assertThatThrownBy(() -> pending.approved(7, LATER))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("only blocked jobs can be approved");
        assertThatThrownBy(() -> pending.rejected("no", 7, LATER))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("only blocked jobs can be rejected");
    }

    @Test
    void priorityOverrideIsRangeCheckedAndOnlyForWaitingJobs() {
        Job pending = job().build();
        assertThat(pending.withPriorityOverride(45).basePriorityOrOverride()).isEqualTo(45);
        assertThat(pending.withPriorityOverride(45).withPriorityOverride(null).basePriorityOrOverride())
                .isEqualTo(Level.RESEARCHER.basePriority());
        assertThat(job().blocked().build().withPriorityOverride(0).priorityOverride()).isZero();

        assertThatThrownBy(() -> pending.withPriorityOverride(51))
                .isInstanceOf(LimitOutOfRangeException.class)
                .hasMessage("priority must be between 0 and 50, or null to clear (got 51)");
        assertThatThrownBy(() -> pending.withPriorityOverride(-1)).isInstanceOf(LimitOutOfRangeException.class);
        assertThatThrownBy(() -> job().running(0).build().withPriorityOverride(40))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("only while pending or blocked");
    }

    @Test
    void launchedRecordsTheProcessOnlyOfARunningJob() {
        assertThat(job().running(0).build().launched(new ProcessRef(10, null)).process().pid()).isEqualTo(10);
        assertThatThrownBy(() -> job().build().cancelled(LATER).launched(new ProcessRef(10, null)))
                .isInstanceOf(ConflictException.class);
    }

    @Test
    void invariantsHoldForEveryConstructedJob() {
        Job pending = job().build();
        assertThatThrownBy(() -> pending.toBuilder().placement(Placement.localGpus(List.of(0))).build())
                .hasMessageContaining("only a running job, has a placement");
        Job running = job().running(0).build();
        assertThatThrownBy(() -> running.toBuilder().placement(Placement.NONE).build())
                .as("a running job always runs somewhere").hasMessageContaining("a running job, and only a running job");
        assertThatThrownBy(() -> pending.toBuilder().agingSince(null).build())
                .hasMessageContaining("pending job needs agingSince");
        assertThatThrownBy(() -> pending.toBuilder().status(JobStatus.COMPLETED).build())
                .hasMessageContaining("needs completedAt");
        assertThatThrownBy(() -> pending.toBuilder().attempt(4).build())
                .hasMessageContaining("attempt must be between 1 and max_attempts 3");
        assertThatThrownBy(() -> pending.toBuilder().type(JobType.CLOUD).build())
                .hasMessageContaining("cloud job needs a provider");
    }

    @Test
    void preferredDeviceIdsAndAllocatedGpusAreSeparateFields() {
        Job pinned = job().deviceIds(2, 3).gpus(2).build();
        assertThat(pinned.spec().deviceIds()).containsExactly(2, 3);
        assertThat(pinned.allocatedGpus()).isEmpty();

        Job running = pinned.dispatched(Placement.localGpus(List.of(2, 3)), LATER);
        Job requeued = running.requeued("launch failed");
        assertThat(requeued.spec().deviceIds()).containsExactly(2, 3);
        assertThat(requeued.allocatedGpus()).isEmpty();
    }
}
