package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.QueueHarness.ADMIN;
import static dev.gpuqueue.core.testing.QueueHarness.ALICE;
import static dev.gpuqueue.core.testing.QueueHarness.BOB;
import static dev.gpuqueue.core.testing.QueueHarness.CAROL;
import static dev.gpuqueue.core.testing.QueueHarness.LEAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.gpuqueue.core.GpuQueue;
import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.IllegalTransitionException;
import dev.gpuqueue.core.error.JobIsRunningException;
import dev.gpuqueue.core.error.StaleReportException;
import dev.gpuqueue.core.error.StopIncompleteException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.AttemptState;
import dev.gpuqueue.core.port.JobRunner;
import dev.gpuqueue.core.testing.Await;
import dev.gpuqueue.core.testing.QueueHarness;
import dev.gpuqueue.core.testing.RecordingCloudRunner;
import dev.gpuqueue.core.testing.TestJobs;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Jobs from start to end, and which events trigger a scheduling pass (and which never do). */
class LifecycleTest extends StoreBackedTest {
    private QueueHarness h;

    @BeforeEach
    void queue() {
        h = new QueueHarness(newStore());
    }

    @Test
    void completionReleasesTheGpusAndThenStartsTheNextJob() {
        JobId first = h.submit(ALICE, "train").jobId();
        JobId second = h.submit(BOB, "train").jobId();
        assertThat(h.job(second).status()).isEqualTo(JobStatus.PENDING);

        h.runner.finish(first, 0);

        Job done = h.job(first);
        assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(done.exitCode()).isZero();
        assertThat(done.allocatedGpus()).isEmpty();
        assertThat(done.completedAt()).isEqualTo(h.clock.instant());
        assertThat(h.job(second).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.job(second).allocatedGpus()).containsExactly(0);
    }

    @Test
    void aNonZeroExitFailsTheJobNamingTheCodeAndStartsTheNext() {
        JobId first = h.submit(ALICE, "train").jobId();
        JobId second = h.submit(BOB, "train").jobId();

        h.runner.finish(first, 3);

        assertThat(h.job(first).status()).isEqualTo(JobStatus.FAILED);
        assertThat(h.job(first).errorMessage()).isEqualTo("exited with code 3");
        assertThat(h.job(first).exitCode()).isEqualTo(3);
        assertThat(h.job(second).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.eventTypes(first)).endsWith(QueueEvent.Type.FAILED);
    }

    @Test
    void cancellingARunningJobStopsItReleasesItsGpusAndStartsNothing() {
        JobId first = h.submit(ALICE, "train").jobId();
        JobId second = h.submit(BOB, "train").jobId();

        Job cancelled = h.service().cancel(ALICE, first);

        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(h.runner.stopped()).containsExactly(first);
        assertThat(h.runner.isLive(first)).isFalse();
        assertThat(h.service().stats().local().allocatedGpus()).isEmpty();
        assertThat(h.job(second).status()).as("no pass after a cancel").isEqualTo(JobStatus.PENDING);

        h.service().process(ADMIN);
        assertThat(h.job(second).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.eventTypes(first)).endsWith(QueueEvent.Type.CANCELLED);
    }

    @Test
    void theQueueCancelRefusesRunningJobsAndCancelsWaitingOnes() {
        JobId running = h.submit(ALICE, "train").jobId();
        JobId pending = h.submit(BOB, "train").jobId();

        assertThatThrownBy(() -> h.service().cancelWaiting(ALICE, running))
                .isInstanceOf(JobIsRunningException.class)
                .hasMessage("job " + running + " is running; only pending or blocked jobs are cancelled from the queue");
        assertThat(h.service().cancelWaiting(BOB, pending).status()).isEqualTo(JobStatus.CANCELLED);
        assertThatThrownBy(() -> h.service().cancelWaiting(BOB, pending)).isInstanceOf(IllegalTransitionException.class);
        assertThat(h.runner.stopped()).isEmpty();
    }

    @Test
    void cancellingATerminalJobIsAConflictNotARewrite() {
        JobId id = h.submit(ALICE, "train").jobId();
        h.runner.finish(id, 0);

        assertThatThrownBy(() -> h.service().cancel(ALICE, id)).isInstanceOf(IllegalTransitionException.class)
                .hasMessage("cannot move a completed job to cancelled (terminal states never change)");
        assertThat(h.job(id).status()).isEqualTo(JobStatus.COMPLETED);
    }

    @Test
    void anApprovalTriggersAPass() {
        JobId running = h.submit(ALICE, "train").jobId();
        JobId waiting = h.submit(BOB, "train").jobId();
        JobId blocked = h.submit(CAROL, SubmitRequest.builder("train").requiresApproval(true)).jobId();
        h.service().cancel(ALICE, running);
        assertThat(h.job(waiting).status()).isEqualTo(JobStatus.PENDING);

        Job approved = h.service().approve(ADMIN, blocked);

        assertThat(h.job(waiting).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(approved.status()).isEqualTo(JobStatus.PENDING);
        assertThat(approved.agingSince()).isEqualTo(h.clock.instant());
        assertThat(approved.approvalId()).isEqualTo(ADMIN.userId());
    }

    @Test
    void aPriorityChangeTriggersAPassAndReordersTheQueue() {
        JobId running = h.submit(ALICE, "train").jobId();
        JobId first = h.submit(BOB, "train").jobId();
        JobId second = h.submit(CAROL, "train").jobId();
        assertThat(h.service().position(ADMIN, second).position()).isEqualTo(2);

        PriorityChange change = h.service().setPriority(LEAD, second, 45);
        assertThat(change.previousEffectivePriority()).isEqualTo(10);
        assertThat(change.newEffectivePriority()).isEqualTo(45);
        assertThat(h.service().position(ADMIN, second).position()).isEqualTo(1);
        assertThat(h.service().position(ADMIN, first).position()).isEqualTo(2);

        h.service().cancel(ALICE, running);
        h.service().setPriority(LEAD, first, 5);
        assertThat(h.job(second).status()).as("the pass after the change starts the new head").isEqualTo(JobStatus.RUNNING);
        assertThat(h.job(first).status()).isEqualTo(JobStatus.PENDING);
        assertThatThrownBy(() -> h.service().setPriority(LEAD, second, 10)).isInstanceOf(ConflictException.class);
    }

    @Test
    void aSettingsChangeAppliesAtOnce() {
        JobId first = h.submit(ALICE, "train").jobId();
        JobId second = h.submit(BOB, "train").jobId();
        assertThat(h.job(second).status()).isEqualTo(JobStatus.PENDING);

        h.settings(Map.of("local_job_max_concurrent", 2));

        assertThat(h.job(first).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.job(second).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.job(second).allocatedGpus()).containsExactly(1);
    }

    @Test
    void oneBadFieldRejectsTheWholeSettingsChange() {
        QueueSettings before = h.service().settings();

        assertThatThrownBy(() -> h.settings(Map.of("max_concurrent", 50, "user_max_concurrent", 0)))
                .hasMessage("user_max_concurrent must be a whole number between 1 and 20 (got 0)");
        assertThatThrownBy(() -> h.settings(Map.of("max_concurrent", 7, "colour", "blue")))
                .hasMessageStartingWith("unknown setting [colour]; allowed: max_concurrent, user_max_concurrent");
        Map<String, Object> nullMax = new HashMap<>();
        nullMax.put("max_concurrent", null);
        assertThatThrownBy(() -> h.settings(nullMax)).hasMessageStartingWith("max_concurrent cannot be null");
        assertThatThrownBy(() -> h.settings(Map.of("enable_fair_share", "yes")))
                .hasMessage("enable_fair_share must be true or false (got \"yes\")");
        assertThatThrownBy(() -> h.settings(Map.of("max_concurrent", 2.5)))
                .hasMessage("max_concurrent must be a whole number between 1 and 100 (got 2.5)");

        assertThatThrownBy(() -> h.settings(Map.of("user_max_concurrent", new BigInteger("18446744073709551619"))))
                .hasMessage("user_max_concurrent must be a whole number between 1 and 20 (got 18446744073709551619)");
        assertThatThrownBy(() -> h.settings(Map.of("max_concurrent", new BigInteger("18446744073709551616"))))
                .hasMessage("max_concurrent must be a whole number between 1 and 100 (got 18446744073709551616)");
        assertThatThrownBy(() -> h.settings(Map.of("approval_cost_threshold", new BigDecimal("1e400"))))
                .hasMessage("approval_cost_threshold must be a finite number >= 0, or null for off (got 1E+400)");

        assertThat(h.service().settings()).isEqualTo(before);
    }

    @Test
    void nullClearsOnlyTheNullableSettingsAndMissingFieldsStayUnchanged() {
        h.settings(Map.of("local_gpu_max_concurrent", 3, "approval_cost_threshold", 5.0, "max_concurrent", 8));
        Map<String, Object> clear = new HashMap<>();
        clear.put("local_gpu_max_concurrent", null);
        clear.put("approval_cost_threshold", null);

        h.settings(clear);

        assertThat(h.service().settings().localGpuMaxConcurrent()).isNull();
        assertThat(h.service().settings().approvalCostThreshold()).isNull();
        assertThat(h.service().settings().maxConcurrent()).isEqualTo(8);
    }

    @Test
    void aFailedLaunchRequeuesWithTheNextAttemptAndFailsOnTheLast() {
        h.runner.failNextLaunches(1, "no such file: python");
        JobId id = h.submit(ALICE, "train").jobId();

        Job requeued = h.job(id);
        assertThat(requeued.status()).isEqualTo(JobStatus.PENDING);
        assertThat(requeued.attempt()).isEqualTo(2);
        assertThat(requeued.errorMessage()).isEqualTo("launch failed: no such file: python");

        h.service().process(ADMIN);
        assertThat(h.job(id).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.job(id).attempt()).isEqualTo(2);

        h.runner.failNextLaunches(1, "boom");
        JobId once = h.submit(BOB, "once").jobId();
        h.runner.finish(id, 0);
        assertThat(h.job(once).status()).isEqualTo(JobStatus.FAILED);
        assertThat(h.job(once).errorMessage()).isEqualTo("launch failed: boom");
        assertThat(h.eventTypes(id)).containsSubsequence(
                QueueEvent.Type.DISPATCHED, QueueEvent.Type.REQUEUED, QueueEvent.Type.DISPATCHED, QueueEvent.Type.LAUNCHED,
                QueueEvent.Type.COMPLETED);
    }

    @Test
    void reportsForAnAttemptThatNoLongerHoldsTheJobAreRefused() {
        JobId id = h.submit(ALICE, "train").jobId();

        assertThatThrownBy(() -> h.runner.report(id, 2, AttemptOutcome.succeeded())).isInstanceOf(StaleReportException.class)
                .hasMessage("report for job " + id + " attempt 2 refused: attempt 1 holds the job");
        assertThat(h.job(id).status()).isEqualTo(JobStatus.RUNNING);

        h.runner.finish(id, 0);
        assertThatThrownBy(() -> h.runner.report(id, 1, AttemptOutcome.failed("late"))).isInstanceOf(StaleReportException.class)
                .hasMessageContaining("the job is completed");
        assertThat(h.job(id).status()).isEqualTo(JobStatus.COMPLETED);
    }

    @Test
    void aLostAttemptIsRequeuedAndFailsWhenNoAttemptIsLeft() {
        JobId id = h.submit(ALICE, "once").jobId();
        JobId retried = h.submit(BOB, "train").jobId();

        h.runner.lose(id, "worker vanished");
        assertThat(h.job(id).status()).isEqualTo(JobStatus.FAILED);
        assertThat(h.job(id).errorMessage()).isEqualTo("worker vanished");
        assertThat(h.eventTypes(id)).endsWith(QueueEvent.Type.LOST);

        h.runner.lose(retried, "worker vanished");
        assertThat(h.job(retried).attempt()).isEqualTo(2);
        assertThat(h.job(retried).status()).as("requeued, and the pass after it starts it again").isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void aJobPastItsMaxRuntimeIsStoppedAndFailed() {
        JobId limited = h.submit(ALICE, "short").jobId();
        JobId next = h.submit(BOB, "train").jobId();

        h.clock.advance(Duration.ofSeconds(59));
        assertThat(h.scheduler().enforceTimeLimits()).isEmpty();
        h.clock.advance(Duration.ofSeconds(1));
        assertThat(h.scheduler().enforceTimeLimits()).extracting(Job::id).containsExactly(limited);

        assertThat(h.job(limited).status()).isEqualTo(JobStatus.FAILED);
        assertThat(h.job(limited).errorMessage()).isEqualTo("exceeded max runtime of 60 s");
        assertThat(h.runner.stopped()).containsExactly(limited);
        assertThat(h.job(next).status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void cloudJobsCompleteWhenTheirProviderReports() {
        JobId id = h.submit(ALICE, SubmitRequest.builder("train").provider("replicate")).jobId();

        h.cloud.report(id, AttemptOutcome.failed("provider quota exceeded"));

        assertThat(h.job(id).status()).isEqualTo(JobStatus.FAILED);
        assertThat(h.job(id).errorMessage()).isEqualTo("provider quota exceeded");
    }

    @Test
    void aCancelWaitsForARunnerThatConfirmsTheStopLaterAndOnlyThenFreesTheSlot() throws Exception {
        h.cloud.confirmStops(false);
        JobId id = h.submit(ALICE, SubmitRequest.builder("train").provider("replicate")).jobId();
        ExecutorService canceller = Executors.newSingleThreadExecutor();
        try {
            Future<Job> cancel = canceller.submit(() -> h.service().cancel(ALICE, id));
            Await.until("the provider to be asked to stop the job", Duration.ofSeconds(10),
                    () -> h.cloud.cancelled().contains(id));
            assertThat(cancel).isNotDone();
            assertThat(h.job(id).status()).as("running until the provider confirms").isEqualTo(JobStatus.RUNNING);

            h.cloud.confirmStop(id);

            assertThat(cancel.get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.CANCELLED);
            assertThat(h.eventTypes(id)).endsWith(QueueEvent.Type.CANCELLED);
        } finally {
            canceller.shutdownNow();
        }
    }

    @Test
    void aStopNotConfirmedInTimeIsSaidSoAndTheCancelIsRecordedWhenTheConfirmationComes() {
        RecordingCloudRunner late = new RecordingCloudRunner("replicate");
        late.confirmStops(false);
        GpuQueue queue = GpuQueue.builder().store(newStore()).runner(late).clock(h.clock).configs(QueueHarness.CONFIGS)
                .stopGrace(Duration.ZERO).stopConfirmWait(Duration.ofMillis(50)).build();
        JobId id = queue.service().submit(ALICE, SubmitRequest.builder("train").provider("replicate").build()).jobId();

        assertThatThrownBy(() -> queue.service().cancel(ALICE, id)).isInstanceOf(StopIncompleteException.class)
                .hasMessageContaining("has not confirmed the stop");
        assertThat(queue.service().job(ALICE, id).status()).isEqualTo(JobStatus.RUNNING);

        late.confirmStop(id);

        assertThat(queue.service().job(ALICE, id).status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void anEndTheAttemptReportsWhileItsStopIsUnconfirmedCompletesTheCancel() throws Exception {
        h.cloud.confirmStops(false);
        JobId id = h.submit(ALICE, SubmitRequest.builder("train").provider("replicate")).jobId();
        ExecutorService canceller = Executors.newSingleThreadExecutor();
        try {
            Future<Job> cancel = canceller.submit(() -> h.service().cancel(ALICE, id));
            Await.until("the provider to be asked to stop the job", Duration.ofSeconds(10),
                    () -> h.cloud.cancelled().contains(id));

            h.cloud.report(id, AttemptOutcome.failed("terminated by the provider"));

            assertThat(cancel.get(10, TimeUnit.SECONDS).status()).as("the stopper's end decides")
                    .isEqualTo(JobStatus.CANCELLED);
        } finally {
            canceller.shutdownNow();
        }
    }

    @Test
    void aTimeLimitDoesNotWaitForARunnerThatConfirmsLaterNorStopTwice() {
        h.cloud.confirmStops(false);
        JobId id = h.submit(ALICE, SubmitRequest.builder("short").provider("replicate")).jobId();
        h.clock.advance(Duration.ofSeconds(60));

        assertThat(h.scheduler().enforceTimeLimits()).as("nothing failed yet: the provider has not confirmed").isEmpty();
        h.clock.advance(Duration.ofMinutes(5));
        h.scheduler().enforceTimeLimits();
        assertThat(h.cloud.cancelled()).as("one stop in progress, not a second").containsExactly(id);
        assertThat(h.job(id).status()).isEqualTo(JobStatus.RUNNING);

        h.cloud.confirmStop(id);

        assertThat(h.job(id).status()).isEqualTo(JobStatus.FAILED);
        assertThat(h.job(id).errorMessage()).isEqualTo("exceeded max runtime of 60 s");
    }

    @Test
    void aCancelThatRacesTheStartOfItsJobStopsWhatStartedAfterIt() throws Exception {
        GatedRunner runner = new GatedRunner();
        GpuQueue queue = GpuQueue.builder().store(newStore()).gpuCount(1).runner(runner).clock(h.clock)
                .configs(QueueHarness.CONFIGS).build();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<SubmitResult> submit = threads.submit(() -> queue.service().submit(ALICE,
                    SubmitRequest.builder("train").build()));
            Await.until("the start to begin", Duration.ofSeconds(10), () -> runner.starting != null);
            JobId id = runner.starting.id();
            Future<Job> cancel = threads.submit(() -> queue.service().cancel(ALICE, id));
            Await.until("the stop to find nothing yet", Duration.ofSeconds(10), () -> runner.stops.get() == 1);

            runner.startGate.countDown();
            Await.until("the start to be recorded", Duration.ofSeconds(10),
                    () -> queue.service().job(ALICE, id).process() != null);
            runner.stopGate.countDown();

            assertThat(cancel.get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.CANCELLED);
            assertThat(submit.get(10, TimeUnit.SECONDS).jobId()).isEqualTo(id);
            Await.until("what started to be stopped again", Duration.ofSeconds(10), () -> runner.live.isEmpty());
            assertThat(runner.stops.get()).isEqualTo(2);
        } finally {
            runner.startGate.countDown();
            runner.stopGate.countDown();
            threads.shutdownNow();
        }
    }

    /** A local runner whose start and first stop wait at a gate, to order a cancel against a launch. */
    private static final class GatedRunner implements JobRunner {
        final CountDownLatch startGate = new CountDownLatch(1);
        final CountDownLatch stopGate = new CountDownLatch(1);
        final Set<JobId> live = ConcurrentHashMap.newKeySet();
        final AtomicInteger stops = new AtomicInteger();
        volatile Job starting;

        @Override
        public String name() {
            return Placement.LOCAL;
        }

        @Override
        public Optional<ProcessRef> start(Job job, AttemptListener listener) {
            starting = job;
            await(startGate);
            live.add(job.id());
            return Optional.of(new ProcessRef(4242, TestJobs.T0));
        }

        @Override
        public void resume(Job job, AttemptListener listener) {}

        @Override
        public CompletableFuture<Void> stop(Job job, Duration grace) {
            live.remove(job.id());
            if (stops.incrementAndGet() == 1) {
                await(stopGate);
            }
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public AttemptState probe(Job job) {
            return live.contains(job.id()) ? AttemptState.RUNNING : AttemptState.GONE;
        }

        private static void await(CountDownLatch gate) {
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void everyStateChangeIsRecordedWithWhoAndWhy() {
        JobId id = h.submit(ALICE, SubmitRequest.builder("train").requiresApproval(true)).jobId();
        h.service().setPriority(LEAD, id, 40);
        h.service().approve(ADMIN, id);
        h.runner.finish(id, 0);

        assertThat(h.events(id)).extracting(QueueEvent::type, QueueEvent::actor, QueueEvent::from, QueueEvent::to).containsExactly(
                tuple(QueueEvent.Type.SUBMITTED, "alice", null, JobStatus.BLOCKED),
                tuple(QueueEvent.Type.PRIORITY_CHANGED, "lena", JobStatus.BLOCKED, JobStatus.BLOCKED),
                tuple(QueueEvent.Type.APPROVED, "root", JobStatus.BLOCKED, JobStatus.PENDING),
                tuple(QueueEvent.Type.DISPATCHED, "scheduler", JobStatus.PENDING, JobStatus.RUNNING),
                tuple(QueueEvent.Type.LAUNCHED, "scheduler", JobStatus.RUNNING, JobStatus.RUNNING),
                tuple(QueueEvent.Type.COMPLETED, "runner", JobStatus.RUNNING, JobStatus.COMPLETED));
        assertThat(h.events(id).get(1).detail()).isEqualTo("priority override 40 (was none)");
        assertThat(h.events(id)).allSatisfy(e -> assertThat(e.at()).isNotNull());
    }
}
