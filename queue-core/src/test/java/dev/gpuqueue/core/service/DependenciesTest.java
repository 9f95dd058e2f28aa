package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.QueueHarness.ADMIN;
import static dev.gpuqueue.core.testing.QueueHarness.ALICE;
import static dev.gpuqueue.core.testing.QueueHarness.BOB;
import static dev.gpuqueue.core.testing.QueueHarness.LEAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Dependency;
import dev.gpuqueue.core.model.Dependency.Condition;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.service.SubmitResult.Outcome;
import dev.gpuqueue.core.testing.QueueHarness;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Jobs that wait for other jobs: chains, fan-in with each condition, propagation of failure, refusals. */
class DependenciesTest extends StoreBackedTest {
    private QueueHarness h;

    @BeforeEach
    void queue() {
        h = new QueueHarness(newStore());
        h.settings(Map.of("max_concurrent", 10, "user_max_concurrent", 10, "local_job_max_concurrent", 4));
    }

    private JobId submitAfter(Caller caller, String config, Dependency... dependencies) {
        return h.submit(caller, SubmitRequest.builder(config).dependsOn(List.of(dependencies))).jobId();
    }

    private static Dependency after(JobId id, Condition condition) {
        return new Dependency(id, condition);
    }

    @Test
    void aChainRunsInOrderEachJobStartingWhenTheOneBeforeSucceeds() {
        JobId a = h.submit(ALICE, "train").jobId();
        SubmitResult b = h.submit(ALICE, SubmitRequest.builder("train").dependsOn(List.of(Dependency.on(a))));
        JobId c = submitAfter(ALICE, "train", Dependency.on(b.jobId()));

        assertThat(b.status()).isEqualTo(Outcome.QUEUED);
        assertThat(b.queuePosition()).as("outside the dispatch order").isNull();
        assertThat(b.reason()).isEqualTo("waiting for job " + a + " (running)");
        assertThat(h.service().position(ALICE, c).pendingReason().message())
                .isEqualTo("waiting for job " + b.jobId() + " (pending)");
        assertThat(h.running()).extracting(Job::id).as("free GPUs do not start a job before its dependency")
                .containsExactly(a);

        h.runner.finish(a, 0);

        assertThat(h.job(b.jobId()).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.job(c).status()).isEqualTo(JobStatus.PENDING);
        assertThat(h.eventTypes(b.jobId())).containsSubsequence(QueueEvent.Type.SUBMITTED,
                QueueEvent.Type.DEPENDENCIES_MET, QueueEvent.Type.DISPATCHED);

        h.runner.finish(b.jobId(), 0);

        assertThat(h.job(c).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.job(c).agingSince()).as("pending all along, it ages from its submit").isEqualTo(h.job(c).queuedAt());
    }

    @Test
    void fanInWaitsForEveryConditionSucceededFinishedAndFailed() {
        JobId ok = h.submit(ALICE, "train").jobId();
        JobId any = h.submit(ALICE, "train").jobId();
        JobId bad = h.submit(ALICE, "train").jobId();
        JobId eval = submitAfter(ALICE, "train", after(ok, Condition.SUCCEEDED), after(any, Condition.FINISHED),
                after(bad, Condition.FAILED));

        h.runner.finish(ok, 0);
        assertThat(h.service().position(ALICE, eval).pendingReason().message())
                .isEqualTo("waiting for job " + any + " (running)");
        h.service().cancel(ALICE, any);
        assertThat(h.job(eval).status()).as("a cancelled job is finished").isEqualTo(JobStatus.PENDING);
        assertThat(h.service().position(ALICE, eval).pendingReason().message())
                .isEqualTo("waiting for job " + bad + " (running)");

        h.runner.finish(bad, 3);

        assertThat(h.job(eval).status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void aFailureCancelsDependentsThroughTwoLevelsWithEventsOnBothSides() {
        JobId train = h.submit(ALICE, "once").jobId();
        JobId eval = submitAfter(ALICE, "train", Dependency.on(train));
        JobId report = submitAfter(ALICE, "train", Dependency.on(eval));
        JobId cleanup = submitAfter(ALICE, "train", after(eval, Condition.FINISHED));

        h.runner.finish(train, 1);

        Job cancelledEval = h.job(eval);
        assertThat(cancelledEval.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelledEval.errorMessage()).isEqualTo("dependency " + train + " failed");
        assertThat(h.job(report).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(h.job(report).errorMessage()).isEqualTo("dependency " + eval + " was cancelled");
        assertThat(h.job(cleanup).status()).as("finished holds for a cancelled job").isEqualTo(JobStatus.RUNNING);
        assertThat(h.events(train)).filteredOn(e -> e.type() == QueueEvent.Type.DEPENDENT_CANCELLED)
                .extracting(QueueEvent::detail)
                .containsExactly("job " + eval + " cancelled: dependency " + train + " failed");
        assertThat(h.events(eval)).extracting(QueueEvent::type).containsSubsequence(QueueEvent.Type.CANCELLED,
                QueueEvent.Type.DEPENDENT_CANCELLED);
        assertThat(h.events(report)).filteredOn(e -> e.type() == QueueEvent.Type.CANCELLED).singleElement()
                .satisfies(e -> assertThat(e.detail()).isEqualTo("dependency " + eval + " was cancelled"));
    }

    @Test
    void aLongChainIsCancelledWholeInTheTransactionThatFailsItsFirstJob() {
        JobId first = h.submit(ALICE, "once").jobId();
        JobId previous = first;
        for (int i = 0; i < 1500; i++) {
            previous = submitAfter(ALICE, "train", Dependency.on(previous));
        }

        h.runner.finish(first, 1);

        assertThat(h.job(first).status()).isEqualTo(JobStatus.FAILED);
        assertThat(h.job(previous).status()).as("the last of 1,500 steps").isEqualTo(JobStatus.CANCELLED);
        List<Job> awaiting = h.read(r -> r.awaitingDependencies());
        assertThat(awaiting).isEmpty();
    }

    @Test
    void aMetDependencyRemovedByCleanupStillCountsAsMet() {
        JobId done = h.submit(ALICE, "train").jobId();
        h.runner.finish(done, 0);
        JobId running = h.submit(ALICE, "train").jobId();
        JobId both = submitAfter(ALICE, "train", Dependency.on(done), Dependency.on(running));
        h.clock.advance(java.time.Duration.ofDays(2));
        h.service().cleanup(ADMIN, 1);
        assertThat(h.find(done)).isEmpty();

        h.runner.finish(running, 0);

        assertThat(h.job(both).status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void aJobWaitingForAFailureIsCancelledWhenItSucceeds() {
        JobId train = h.submit(ALICE, "train").jobId();
        JobId alert = submitAfter(ALICE, "train", after(train, Condition.FAILED));

        h.runner.finish(train, 0);

        assertThat(h.job(alert).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(h.job(alert).errorMessage())
                .isEqualTo("dependency " + train + " completed (the condition was failed)");
    }

    @Test
    void cancellingAWaitingDependencyCancelsItsDependents() {
        h.settings(Map.of("max_concurrent", 1));
        h.submit(ALICE, "train");
        JobId waiting = h.submit(ALICE, "train").jobId();
        JobId dependent = submitAfter(ALICE, "train", Dependency.on(waiting));

        h.service().cancel(ALICE, waiting);

        assertThat(h.job(dependent).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(h.job(dependent).errorMessage()).isEqualTo("dependency " + waiting + " was cancelled");
    }

    @Test
    void aDependencyAlreadyMetStartsTheJobAtOnce() {
        JobId done = h.submit(ALICE, "train").jobId();
        h.runner.finish(done, 0);

        SubmitResult result = h.submit(ALICE, SubmitRequest.builder("train").dependsOn(List.of(Dependency.on(done))));

        assertThat(result.status()).isEqualTo(Outcome.RUNNING);
        assertThat(h.job(result.jobId()).awaitingDependencies()).isFalse();
    }

    @Test
    void unknownInvisibleAndHopelessDependenciesAreRefusedAndStoreNothing() {
        JobId bobs = h.submit(BOB, "train").jobId();
        JobId failed = h.submit(ALICE, "once").jobId();
        h.runner.finish(failed, 1);
        long before = h.jobCount();

        assertThatThrownBy(() -> submitAfter(ALICE, "train", Dependency.on(JobId.of("never-submitted"))))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("depends_on: no job never-submitted that you may see");
        assertThatThrownBy(() -> submitAfter(ALICE, "train", Dependency.on(bobs)))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("depends_on: no job " + bobs + " that you may see");
        assertThatThrownBy(() -> submitAfter(ALICE, "train", Dependency.on(failed)))
                .isInstanceOf(ValidationException.class)
                .hasMessage("depends_on: dependency " + failed + " failed already, so this job could never start;"
                        + " drop it or change its condition");
        assertThatThrownBy(() -> submitAfter(ALICE, "train", Dependency.on(bobs), after(bobs, Condition.FINISHED)))
                .isInstanceOf(ValidationException.class).hasMessageContaining("more than once");
        assertThat(h.jobCount()).isEqualTo(before);

        assertThat(submitAfter(LEAD, "train", Dependency.on(bobs))).as("a lead sees everyone's jobs").isNotNull();
    }

    @Test
    void noCycleCanFormSinceAJobCanOnlyWaitForJobsSubmittedBeforeIt() {
        JobId a = h.submit(ALICE, "train").jobId();
        JobId b = submitAfter(ALICE, "train", Dependency.on(a));
        long before = h.jobCount();
        // The id the next job would need to name to close a cycle (a job waiting for itself, or for a job
        // that waits for it) does not exist yet when it is submitted, so the submit is refused.
        JobId notYet = JobId.generate();

        assertThatThrownBy(() -> submitAfter(ALICE, "train", Dependency.on(b), Dependency.on(notYet)))
                .isInstanceOf(ValidationException.class).hasMessageContaining("no job " + notYet);
        assertThat(h.jobCount()).isEqualTo(before);
        assertThat(h.job(b).dependsOn()).as("dependencies never change after the submit")
                .containsExactly(Dependency.on(a));
    }

    @Test
    void waitingJobsDoNotHoldUpOthersAndAreListedAfterTheRankedOnes() {
        h.settings(Map.of("max_concurrent", 1));
        JobId running = h.submit(ALICE, "train").jobId();
        JobId dependent = submitAfter(ALICE, "train", Dependency.on(running));
        JobId plain = h.submit(ALICE, "train").jobId();

        List<QueueEntry> pending = h.service().queue(ADMIN, new QueueQuery(JobStatus.PENDING, false, 50, 0)).entries();

        assertThat(pending).extracting(e -> e.job().id()).containsExactly(plain, dependent);
        assertThat(pending.get(0).position()).isEqualTo(1);
        assertThat(pending.get(1).position()).isNull();
        assertThat(h.service().me(ALICE, 50, 0).bestPosition()).isEqualTo(1);

        h.runner.finish(running, 0);

        assertThat(h.job(dependent).status()).as("once released, it ranks by its submit like any job")
                .isEqualTo(JobStatus.RUNNING);
        assertThat(h.service().position(ALICE, plain).position()).isEqualTo(1);
    }

    @Test
    void aBlockedJobWithDependenciesWaitsForBothApprovalAndThem() {
        JobId train = h.submit(ALICE, "train").jobId();
        JobId costly = submitAfter(ALICE, "costly", Dependency.on(train));
        h.settings(Map.of("approval_cost_threshold", 10.0));
        JobId approved = h.submit(ALICE, SubmitRequest.builder("costly").dependsOn(List.of(Dependency.on(train)))).jobId();

        assertThat(h.job(approved).status()).isEqualTo(JobStatus.BLOCKED);
        h.service().approve(ADMIN, approved);
        assertThat(h.job(approved).status()).isEqualTo(JobStatus.PENDING);
        assertThat(h.job(approved).awaitingDependencies()).isTrue();

        h.runner.finish(train, 0);

        assertThat(h.job(costly).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.job(approved).status()).isEqualTo(JobStatus.RUNNING);
    }
}
