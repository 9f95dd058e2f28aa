package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.QueueHarness.ADMIN;
import static dev.gpuqueue.core.testing.QueueHarness.ALICE;
import static dev.gpuqueue.core.testing.QueueHarness.BOB;
import static dev.gpuqueue.core.testing.QueueHarness.CAROL;
import static dev.gpuqueue.core.testing.QueueHarness.LEAD;
import static dev.gpuqueue.core.testing.QueueHarness.VICTOR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.GpuQueue;
import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.JobNotFoundException;
import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.error.PermissionDeniedException;
import dev.gpuqueue.core.error.StoreException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueStats;
import dev.gpuqueue.core.model.UserQueueStatus;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.testing.QueueHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReadsAndPermissionsTest extends StoreBackedTest {
    private QueueHarness h;

    @BeforeEach
    void queue() {
        h = new QueueHarness(newStore());
    }

    private static List<JobId> ids(List<QueueEntry> entries) {
        return entries.stream().map(e -> e.job().id()).toList();
    }

    @Test
    void theQueueListsPendingInDispatchOrderThenBlockedThenRunningThenTerminal() {
        JobId running = h.submit(ALICE, "train").jobId();
        JobId blockedOld = h.submit(BOB, SubmitRequest.builder("train").requiresApproval(true)).jobId();
        h.clock.advance(Duration.ofSeconds(1));
        JobId researcher = h.submit(BOB, "train").jobId();
        JobId blockedNew = h.submit(CAROL, SubmitRequest.builder("train").requiresApproval(true)).jobId();
        JobId admin = h.submit(ADMIN, "train").jobId();
        JobId done = h.submit(CAROL, "train").jobId();
        h.service().cancel(CAROL, done);

        QueuePage active = h.service().queue(ADMIN, QueueQuery.active());
        assertThat(ids(active.entries())).containsExactly(admin, researcher, blockedOld, blockedNew, running);
        assertThat(active.entries()).extracting(QueueEntry::position).containsExactly(1, 2, null, null, null);
        assertThat(active.entries().get(1).pendingReason().message()).isEqualTo("local job limit 1/1");
        assertThat(active.entries().get(2).pendingReason().message()).isEqualTo("awaiting approval");
        assertThat(active.totalPending()).isEqualTo(2);
        assertThat(active.totalRunning()).isEqualTo(1);

        QueuePage all = h.service().queue(ADMIN, new QueueQuery(null, true, 50, 0));
        assertThat(ids(all.entries())).endsWith(running, done);

        QueuePage page = h.service().queue(ADMIN, new QueueQuery(null, true, 2, 4));
        assertThat(ids(page.entries())).containsExactly(running, done);

        assertThat(ids(h.service().queue(ADMIN, new QueueQuery(JobStatus.BLOCKED, false, 50, 0)).entries()))
                .containsExactly(blockedOld, blockedNew);
        assertThat(ids(h.service().queue(ADMIN, new QueueQuery(JobStatus.CANCELLED, false, 50, 0)).entries()))
                .containsExactly(done);
    }

    @Test
    void researchersSeeOnlyTheirOwnJobsButPositionsStayGlobal() {
        h.submit(ALICE, "train");
        h.submit(ADMIN, "train");
        JobId bobs = h.submit(BOB, "train").jobId();

        QueuePage bobView = h.service().queue(BOB, QueueQuery.active());

        assertThat(ids(bobView.entries())).containsExactly(bobs);
        assertThat(bobView.entries().get(0).position()).isEqualTo(2);
        assertThat(h.service().jobs(BOB, JobsQuery.firstPage()).jobs()).extracting(Job::id).containsExactly(bobs);
        assertThat(h.service().jobs(LEAD, JobsQuery.firstPage()).total()).isEqualTo(3);
        assertThatThrownBy(() -> h.service().jobs(BOB, new JobsQuery(null, ALICE.userId(), 50, 0)))
                .isInstanceOf(PermissionDeniedException.class);
    }

    @Test
    void anotherUsersJobIsForbiddenNotMissingAndPermissionComesBeforeState() {
        JobId alices = h.submit(ALICE, "train").jobId();
        h.runner.finish(alices, 0);

        assertThatThrownBy(() -> h.service().job(BOB, alices)).isInstanceOf(PermissionDeniedException.class)
                .hasMessageContaining("belongs to another user");
        assertThatThrownBy(() -> h.service().cancel(BOB, alices)).isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> h.service().events(VICTOR, alices)).isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> h.service().cancel(LEAD, alices)).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> h.service().job(BOB, JobId.of("nope"))).isInstanceOf(JobNotFoundException.class)
                .hasMessage("no job with id 'nope'");
    }

    @Test
    void adminOnlyAndLeadOnlyActionsAreRefusedToOthers() {
        JobId blocked = h.submit(ALICE, SubmitRequest.builder("train").requiresApproval(true)).jobId();

        assertThatThrownBy(() -> h.service().approve(LEAD, blocked)).isInstanceOf(PermissionDeniedException.class)
                .hasMessage("approving jobs needs the admin level (you are lead)");
        assertThatThrownBy(() -> h.service().reject(ALICE, blocked, "no")).isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> h.service().process(LEAD)).isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> h.service().cleanup(LEAD, 30)).isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> h.service().updateSettings(LEAD, SettingsUpdate.of(Map.of("max_concurrent", 9))))
                .isInstanceOf(PermissionDeniedException.class);
        assertThatThrownBy(() -> h.service().setPriority(ALICE, blocked, 40)).isInstanceOf(PermissionDeniedException.class)
                .hasMessage("changing a job's priority needs the lead or admin level (you are researcher)");
        assertThat(h.job(blocked).status()).isEqualTo(JobStatus.BLOCKED);
        assertThat(h.job(blocked).priorityOverride()).isNull();
    }

    @Test
    void rejectionNeedsAReasonAndOnlyBlockedJobsAreApprovedOrRejected() {
        JobId blocked = h.submit(ALICE, SubmitRequest.builder("train").requiresApproval(true)).jobId();
        JobId running = h.submit(BOB, "train").jobId();

        assertThatThrownBy(() -> h.service().reject(ADMIN, blocked, " ")).isInstanceOf(ValidationException.class)
                .hasMessage("reason is required to reject a job");
        Job rejected = h.service().reject(ADMIN, blocked, "too costly");
        assertThat(rejected.status()).isEqualTo(JobStatus.FAILED);
        assertThat(rejected.errorMessage()).isEqualTo("Rejected: too costly");
        assertThatThrownBy(() -> h.service().approve(ADMIN, blocked)).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> h.service().approve(ADMIN, running)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("only blocked jobs can be approved");
    }

    @Test
    void positionReportsOnlyPendingJobsAndEstimatesTheWait() {
        JobId first = h.submit(ALICE, "train").jobId();
        JobId second = h.submit(BOB, "train").jobId();
        JobId third = h.submit(CAROL, "train").jobId();

        PositionInfo noHistory = h.service().position(ADMIN, third);
        assertThat(noHistory.position()).isEqualTo(2);
        assertThat(noHistory.estimatedWaitSeconds()).isNull();

        h.clock.advance(Duration.ofMinutes(10));
        h.runner.finish(first, 0);
        PositionInfo running = h.service().position(ADMIN, second);
        assertThat(running.position()).isNull();
        assertThat(running.pendingReason()).isNull();
        assertThat(running.effectivePriority()).isEqualTo(10);

        PositionInfo waiting = h.service().position(ADMIN, third);
        assertThat(waiting.position()).isEqualTo(1);
        assertThat(waiting.pendingReason().message()).isEqualTo("local job limit 1/1");
        assertThat(waiting.estimatedWaitSeconds()).isEqualTo(600.0);
    }

    @Test
    void meShowsTheCallersCountsBestPositionAndJobs() {
        h.submit(ADMIN, "train");
        JobId b1 = h.submit(BOB, "train").jobId();
        JobId b2 = h.submit(BOB, "train").jobId();
        h.submit(BOB, SubmitRequest.builder("train").requiresApproval(true));
        h.submit(CAROL, "train");

        UserQueueStatus bob = h.service().me(BOB, 50, 0);

        assertThat(bob.pendingCount()).isEqualTo(2);
        assertThat(bob.runningCount()).isZero();
        assertThat(bob.blockedCount()).isEqualTo(1);
        assertThat(bob.bestPosition()).isEqualTo(1);
        assertThat(ids(bob.pendingJobs())).containsExactly(b1, b2);
        assertThat(h.service().me(VICTOR, 50, 0).bestPosition()).isNull();
    }

    @Test
    void meIsPagedInDispatchOrderWhileItsCountsAndBestPositionStayTotals() {
        h.submit(ADMIN, "train");
        List<JobId> bobs = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            bobs.add(h.submit(BOB, "train").jobId());
            h.clock.advance(Duration.ofSeconds(1));
        }
        h.service().setPriority(ADMIN, bobs.get(5), 45);

        UserQueueStatus first = h.service().me(BOB, 3, 0);
        UserQueueStatus second = h.service().me(BOB, 3, 3);
        UserQueueStatus last = h.service().me(BOB, 3, 6);

        assertThat(ids(first.pendingJobs())).containsExactly(bobs.get(5), bobs.get(0), bobs.get(1));
        assertThat(ids(second.pendingJobs())).containsExactly(bobs.get(2), bobs.get(3), bobs.get(4));
        assertThat(ids(last.pendingJobs())).containsExactly(bobs.get(6));
        assertThat(first.pendingJobs()).extracting(QueueEntry::position).containsExactly(1, 2, 3);
        assertThat(second.pendingJobs()).extracting(QueueEntry::position).containsExactly(4, 5, 6);
        for (UserQueueStatus page : List.of(first, second, last)) {
            assertThat(page.pendingCount()).isEqualTo(7);
            assertThat(page.bestPosition()).isEqualTo(1);
        }
        assertThatThrownBy(() -> h.service().me(BOB, 201, 0)).isInstanceOf(LimitOutOfRangeException.class);
    }

    @Test
    void statsCountEverythingAndShowTheLocalGpus() {
        h.settings(Map.of("local_job_max_concurrent", 2, "local_gpu_max_concurrent", 3));
        h.runner.finish(h.submit(ALICE, "train").jobId(), 0);
        h.submit(ALICE, "train2");
        JobId bobs = h.submit(BOB, "train").jobId();
        h.submit(CAROL, "train");
        h.submit(VICTOR, "train");
        h.submit(CAROL, SubmitRequest.builder("train").requiresApproval(true));
        h.clock.advance(Duration.ofSeconds(30));
        h.runner.finish(bobs, 0);

        QueueStats stats = h.service().stats();

        assertThat(stats.queueDepth()).isEqualTo(1);
        assertThat(stats.running()).isEqualTo(2);
        assertThat(stats.byStatus()).containsEntry(JobStatus.COMPLETED, 2L).containsEntry(JobStatus.BLOCKED, 1L)
                .containsEntry(JobStatus.PENDING, 1L).containsEntry(JobStatus.RUNNING, 2L);
        assertThat(stats.byUser()).containsOnly(
                Map.entry(ALICE.userId(), 1L), Map.entry(CAROL.userId(), 2L), Map.entry(VICTOR.userId(), 1L));
        assertThat(stats.avgWaitSeconds()).as("waits 0, 0, 0 and 30 s").isEqualTo(7.5);
        assertThat(stats.local().runningJobs()).isEqualTo(2);
        assertThat(stats.local().pendingJobs()).isEqualTo(1);
        assertThat(stats.local().allocatedGpus()).containsExactly(0, 1, 2);
        assertThat(stats.local().availableGpus()).containsExactly(3);
        assertThat(stats.local().totalGpus()).isEqualTo(4);
        assertThat(stats.local().maxConcurrentGpus()).isEqualTo(3);
        assertThat(stats.local().maxConcurrentJobs()).isEqualTo(2);
    }

    @Test
    void gpuHoldersMapEachAllocatedGpuToItsJob() {
        h.settings(Map.of("local_job_max_concurrent", 2));
        JobId two = h.submit(ALICE, "train2").jobId();
        JobId one = h.submit(BOB, "train").jobId();

        assertThat(h.service().gpuHolders()).containsExactly(Map.entry(0, two), Map.entry(1, two), Map.entry(2, one));
    }

    @Test
    void cleanupRemovesOnlyOldTerminalJobsAndChecksItsRange() {
        JobId old = h.submit(ALICE, "train").jobId();
        h.runner.finish(old, 0);
        h.clock.advance(Duration.ofDays(10));
        JobId recent = h.submit(BOB, "train").jobId();
        h.runner.finish(recent, 1);
        JobId active = h.submit(CAROL, SubmitRequest.builder("train").requiresApproval(true)).jobId();
        h.clock.advance(Duration.ofDays(25));

        CleanupResult result = h.service().cleanup(ADMIN, 30);

        assertThat(result.deleted()).containsExactly(old);
        assertThat(h.find(old)).isEmpty();
        assertThat(h.job(recent).status()).isEqualTo(JobStatus.FAILED);
        assertThat(h.job(active).status()).isEqualTo(JobStatus.BLOCKED);
        assertThatThrownBy(() -> h.service().cleanup(ADMIN, 0)).isInstanceOf(LimitOutOfRangeException.class)
                .hasMessage("days must be between 1 and 365 (got 0)");
        assertThatThrownBy(() -> h.service().cleanup(ADMIN, 366)).isInstanceOf(LimitOutOfRangeException.class);
    }

    @Test
    void aLogThatCannotBeDeletedDoesNotTurnACommittedCleanupIntoAFailure() {
        JobLogs stuckLogs = new JobLogs() {
            @Override
            public LogChunk read(JobId id, long offset, int maxBytes) {
                return new LogChunk(new byte[0], 0, 0);
            }

            @Override
            public long writeAttempt(JobId id, int attempt, long offset, byte[] data) {
                return offset + data.length;
            }

            @Override
            public void delete(JobId id) {
                throw new StoreException("cannot delete the files of job " + id + ": read-only file system", null);
            }
        };
        GpuQueue queue = GpuQueue.builder().store(newStore()).runner(h.runner).clock(h.clock).configs(QueueHarness.CONFIGS)
                .gpuCount(1).logs(stuckLogs).build();
        JobId old = queue.service().submit(ALICE, SubmitRequest.builder("train").build()).jobId();
        h.runner.finish(old, 0);
        h.clock.advance(Duration.ofDays(31));

        assertThat(queue.service().cleanup(ADMIN, 30).deleted()).containsExactly(old);
        assertThatThrownBy(() -> queue.service().job(ADMIN, old)).isInstanceOf(JobNotFoundException.class);
    }

    @Test
    void pagesAreRangeChecked() {
        assertThatThrownBy(() -> new QueueQuery(null, false, 0, 0)).hasMessage("limit must be between 1 and 200 (got 0)");
        assertThatThrownBy(() -> new QueueQuery(null, false, 201, 0)).isInstanceOf(LimitOutOfRangeException.class);
        assertThatThrownBy(() -> new JobsQuery(null, null, 50, -1)).hasMessage("offset must be >= 0 (got -1)");
    }
}
