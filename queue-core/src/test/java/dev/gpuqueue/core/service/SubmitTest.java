package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.QueueHarness.ADMIN;
import static dev.gpuqueue.core.testing.QueueHarness.ALICE;
import static dev.gpuqueue.core.testing.QueueHarness.BOB;
import static dev.gpuqueue.core.testing.QueueHarness.VICTOR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.ConfigNotFoundException;
import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.JobType;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.service.SubmitResult.Outcome;
import dev.gpuqueue.core.testing.QueueHarness;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SubmitTest extends StoreBackedTest {
    private QueueHarness h;

    @BeforeEach
    void queue() {
        h = new QueueHarness(newStore());
    }

    @Test
    void nullLabelValuesOrMetadataAreRefusedNamingTheField() {
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("gpu", null);

        assertThatThrownBy(() -> SubmitRequest.builder("train").workerLabels(nullValue).build())
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("worker_labels: label gpu needs a value");
        assertThatThrownBy(() -> SubmitRequest.builder("train").metadata(nullValue).build())
                .isInstanceOf(ValidationException.class).hasMessage("metadata values must be text, not null");
    }

    @Test
    void aJobThatFitsStartsAtOnceOnTheLowestFreeGpu() {
        SubmitResult result = h.submit(ALICE, "train");

        assertThat(result.success()).isTrue();
        assertThat(result.status()).isEqualTo(Outcome.RUNNING);
        assertThat(result.allocatedGpus()).containsExactly(0);
        assertThat(result.queuePosition()).isNull();
        Job job = h.job(result.jobId());
        assertThat(job.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(job.allocatedGpus()).containsExactly(0);
        assertThat(job.process()).isNotNull();
        assertThat(job.priority()).isEqualTo(10);
        assertThat(job.submitter().userName()).isEqualTo("alice");
        assertThat(job.teamId()).isEqualTo("alpha");
        assertThat(job.metadata()).containsEntry("run_name", "quick-run");
        assertThat(h.runner.launched()).singleElement().satisfies(a -> {
            assertThat(a.jobId()).isEqualTo(result.jobId());
            assertThat(a.gpus()).containsExactly(0);
        });
        assertThat(h.eventTypes(result.jobId()))
                .containsExactly(QueueEvent.Type.SUBMITTED, QueueEvent.Type.DISPATCHED, QueueEvent.Type.LAUNCHED);
    }

    @Test
    void aJobThatEndsBeforeItsLaunchReturnsIsStillReportedAsStartedOnItsGpus() {
        h.runner.exitDuringNextLaunch(0);

        SubmitResult result = h.submit(ALICE, "train2");

        assertThat(result.status()).isEqualTo(Outcome.RUNNING);
        assertThat(result.allocatedGpus()).containsExactly(0, 1);
        assertThat(h.job(result.jobId()).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(h.runner.isLive(result.jobId())).isFalse();
    }

    @Test
    void aJobThatCannotStartIsQueuedWithItsPositionAndReason() {
        h.submit(ALICE, "train");

        SubmitResult second = h.submit(BOB, "train");

        assertThat(second.status()).isEqualTo(Outcome.QUEUED);
        assertThat(second.queuePosition()).isEqualTo(1);
        assertThat(second.reason()).isEqualTo("local job limit 1/1");
        assertThat(h.job(second.jobId()).status()).isEqualTo(JobStatus.PENDING);
    }

    @Test
    void noWaitStoresNothingWhenTheJobCannotStartAtOnce() {
        h.submit(ALICE, "train");
        long before = h.jobCount();

        SubmitResult rejected = h.submit(BOB, SubmitRequest.builder("train").noWait(true));

        assertThat(rejected.success()).isFalse();
        assertThat(rejected.status()).isEqualTo(Outcome.REJECTED);
        assertThat(rejected.jobId()).isNull();
        assertThat(rejected.reason()).isEqualTo("local job limit 1/1");
        assertThat(h.jobCount()).isEqualTo(before);
        assertThat(h.runner.launched()).hasSize(1);
    }

    @Test
    void noWaitStartsAJobThatFits() {
        SubmitResult result = h.submit(BOB, SubmitRequest.builder("train2").noWait(true));

        assertThat(result.status()).isEqualTo(Outcome.RUNNING);
        assertThat(result.allocatedGpus()).containsExactly(0, 1);
    }

    @Test
    void aDryRunReportsWhatWouldHappenAndStoresNothing() {
        SubmitResult wouldRun = h.submit(ALICE, SubmitRequest.builder("pinned23").dryRun(true));
        assertThat(wouldRun.status()).isEqualTo(Outcome.RUNNING);
        assertThat(wouldRun.allocatedGpus()).containsExactly(2, 3);
        assertThat(wouldRun.jobId()).isNull();
        assertThat(h.jobCount()).isZero();
        assertThat(h.runner.launched()).isEmpty();

        h.submit(ALICE, "train");
        SubmitResult wouldWait = h.submit(BOB, SubmitRequest.builder("train").dryRun(true));
        assertThat(wouldWait.status()).isEqualTo(Outcome.QUEUED);
        assertThat(wouldWait.queuePosition()).isEqualTo(1);
        assertThat(wouldWait.reason()).isEqualTo("local job limit 1/1");
        assertThat(h.submit(BOB, SubmitRequest.builder("train").dryRun(true).noWait(true)).status())
                .isEqualTo(Outcome.REJECTED);
        assertThat(h.jobCount()).isEqualTo(1);
    }

    @Test
    void anIdempotencyKeyReturnsTheOriginalJobWhateverTheSecondBodySays() {
        SubmitResult first = h.submit(ALICE, SubmitRequest.builder("train").idempotencyKey("run-42"));
        SubmitResult again = h.submit(ALICE, SubmitRequest.builder("big").idempotencyKey("run-42").noWait(true));
        SubmitResult otherUser = h.submit(BOB, SubmitRequest.builder("train").idempotencyKey("run-42"));

        assertThat(again.jobId()).isEqualTo(first.jobId());
        assertThat(again.status()).isEqualTo(Outcome.RUNNING);
        assertThat(h.job(first.jobId()).configName()).isEqualTo("train");
        assertThat(otherUser.jobId()).isNotEqualTo(first.jobId());
        assertThat(h.jobCount()).isEqualTo(2);
    }

    @Test
    void requiresApprovalBlocksTheJobEvenWithNoWait() {
        SubmitResult result = h.submit(ALICE, SubmitRequest.builder("train").requiresApproval(true).noWait(true));

        assertThat(result.success()).isTrue();
        assertThat(result.status()).isEqualTo(Outcome.BLOCKED);
        assertThat(result.requiresApproval()).isTrue();
        Job job = h.job(result.jobId());
        assertThat(job.status()).isEqualTo(JobStatus.BLOCKED);
        assertThat(job.agingSince()).isNull();
        assertThat(h.runner.launched()).isEmpty();
    }

    @Test
    void aCostAboveTheThresholdNeedsApproval() {
        h.settings(Map.of("approval_cost_threshold", 10.0));

        assertThat(h.submit(ALICE, "costly").status()).isEqualTo(Outcome.BLOCKED);
        assertThat(h.submit(ALICE, "train").status()).isEqualTo(Outcome.RUNNING);
        assertThat(h.events(h.submit(BOB, "costly").jobId()).get(0).detail())
                .isEqualTo("awaiting approval: estimated cost 50.0 exceeds the approval threshold 10.0");
    }

    @Test
    void aJobThatCanNeverFitIsRefusedAndNothingIsStored() {
        h.gpus.resize(2);

        assertThatThrownBy(() -> h.submit(ALICE, "big"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("can never fit: needs 4 GPUs but only 2 exist");
        assertThatThrownBy(() -> h.submit(ALICE, "pinned23"))
                .hasMessage("can never fit: device_ids [2, 3]: GPUs 2, 3 do not exist (GPUs: [0, 1])");
        assertThat(h.jobCount()).isZero();
        assertThat(h.submit(ALICE, SubmitRequest.builder("pinned23").anyGpu(true)).allocatedGpus()).containsExactly(0, 1);
    }

    @Test
    void unknownAndMalformedConfigNamesAreRefused() {
        assertThatThrownBy(() -> h.submit(ALICE, "nope")).isInstanceOf(ConfigNotFoundException.class)
                .hasMessage("no job config named 'nope'");
        assertThatThrownBy(() -> h.submit(ALICE, "../etc/passwd")).isInstanceOf(ValidationException.class)
                .hasMessageContaining("no paths");
        assertThatThrownBy(() -> h.submit(ALICE, "..")).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> h.submit(ALICE, "")).hasMessage("config_name is required");
        assertThat(h.jobCount()).isZero();
    }

    @Test
    void priorityComesFromTheSubmittersLevel() {
        h.submit(ALICE, "train");
        assertThat(h.job(h.submit(ADMIN, "train").jobId()).priority()).isEqualTo(30);
        assertThat(h.job(h.submit(VICTOR, "train").jobId()).priority()).isZero();
    }

    @Test
    void cloudJobsGoToTheirProvidersRunner() {
        SubmitResult result = h.submit(ALICE, SubmitRequest.builder("train").provider("replicate"));

        assertThat(result.status()).isEqualTo(Outcome.RUNNING);
        assertThat(result.allocatedGpus()).isEmpty();
        assertThat(h.job(result.jobId()).type()).isEqualTo(JobType.CLOUD);
        assertThat(h.cloud.wasDispatched(result.jobId())).isTrue();
        assertThatThrownBy(() -> h.submit(ALICE, SubmitRequest.builder("train").provider("lambda")))
                .isInstanceOf(ValidationException.class).hasMessage("unknown provider 'lambda'; registered: [replicate]");
    }

    @Test
    void aSubmitPastUserMaxPendingIsRefusedAndStoresNothing() {
        h.settings(Map.of("user_max_pending", 2));
        h.submit(ALICE, "train");
        h.submit(ALICE, "train");
        h.submit(ALICE, SubmitRequest.builder("train").requiresApproval(true));
        long before = h.jobCount();

        assertThatThrownBy(() -> h.submit(ALICE, "train")).isInstanceOf(ConflictException.class)
                .hasMessage("user alice already has 2 waiting jobs (pending or blocked), the user_max_pending limit of 2,"
                        + " and this job would wait too; wait for some to start, or cancel some, then submit again");
        assertThatThrownBy(() -> h.submit(ALICE, SubmitRequest.builder("train").dryRun(true)))
                .isInstanceOf(ConflictException.class);
        assertThat(h.jobCount()).isEqualTo(before);
        assertThat(h.submit(BOB, "train").status()).as("other users are not limited").isEqualTo(Outcome.QUEUED);

        h.settings(nullSetting("user_max_pending"));
        assertThat(h.submit(ALICE, "train").status()).isEqualTo(Outcome.QUEUED);
    }

    @Test
    void aJobThatStartsAtOnceIsNeverRefusedByUserMaxPending() {
        h.settings(Map.of("user_max_pending", 1, "local_job_max_concurrent", 3, "user_max_concurrent", 3));
        h.submit(ALICE, SubmitRequest.builder("train").requiresApproval(true));

        assertThat(h.submit(ALICE, "train").status()).as("starts at once").isEqualTo(Outcome.RUNNING);
        assertThat(h.submit(ALICE, SubmitRequest.builder("train").noWait(true)).status()).isEqualTo(Outcome.RUNNING);
        assertThat(h.submit(ALICE, SubmitRequest.builder("train").dryRun(true)).status()).isEqualTo(Outcome.RUNNING);
    }

    private static Map<String, Object> nullSetting(String name) {
        Map<String, Object> change = new HashMap<>();
        change.put(name, null);
        return change;
    }
}
