package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.QueueHarness.ALICE;
import static dev.gpuqueue.core.testing.QueueHarness.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.error.PermissionDeniedException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.ArrayRequest;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.testing.QueueHarness;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Job arrays (sweeps): one submit, one job per combination, max_running, listing and cancel by array. */
class ArraysTest extends StoreBackedTest {
    private QueueHarness h;

    @BeforeEach
    void queue() {
        h = new QueueHarness(newStore());
    }

    private static ArrayRequest grid(Integer maxRunning) {
        Map<String, List<Object>> values = new LinkedHashMap<>();
        values.put("lr", List.of(1e-4, 3e-4));
        values.put("seed", List.of(1, 2, 3));
        return new ArrayRequest(values, null, maxRunning);
    }

    private List<Job> arrayJobs(String arrayId) {
        return h.read(r -> r.arrayJobs(arrayId));
    }

    @Test
    void aGridMakesOneJobPerCombinationInIndexOrderWithItsParametersInTheEnvironment() {
        h.settings(Map.of("max_concurrent", 1));

        SubmitResult result = h.submit(ALICE, SubmitRequest.builder("train").array(grid(null)));

        SubmitResult.ArraySummary array = result.array();
        assertThat(array.arrayId()).as("the array is named by its first job").isEqualTo(result.jobId().value());
        assertThat(array.jobIds()).hasSize(6);
        assertThat(array.started()).isEqualTo(1);
        List<Job> jobs = arrayJobs(array.arrayId());
        assertThat(jobs).extracting(Job::id).containsExactlyElementsOf(array.jobIds());
        assertThat(jobs).extracting(j -> j.array().index()).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(jobs).extracting(j -> j.queueVariables().get("GPUQUEUE_PARAM_LR") + "/"
                        + j.queueVariables().get("GPUQUEUE_PARAM_SEED"))
                .containsExactly("0.0001/1", "0.0001/2", "0.0001/3", "0.0003/1", "0.0003/2", "0.0003/3");
        assertThat(jobs).allSatisfy(j -> {
            assertThat(j.queueVariables()).containsEntry("GPUQUEUE_ARRAY_INDEX", Integer.toString(j.array().index()))
                    .containsEntry("GPUQUEUE_ARRAY_ID", array.arrayId()).containsEntry("GPUQUEUE_JOB_ID", j.id().value());
            assertThat(j.spec()).as("the config itself is the same for all").isEqualTo(QueueHarness.CONFIGS.get("train"));
        });
        assertThat(jobs.get(4).array().parameters()).containsExactly(Map.entry("lr", "0.0003"), Map.entry("seed", "2"));
        List<QueueEntry> pending = h.service().queue(ALICE, new QueueQuery(JobStatus.PENDING, false, 50, 0)).entries();
        assertThat(pending).extracting(e -> e.job().array().index()).as("index order among themselves")
                .containsExactly(1, 2, 3, 4, 5);

        List<QueueEntry> listed = h.service().queue(ALICE, QueueQuery.array(array.arrayId(), null, 50, 0)).entries();
        assertThat(listed).extracting(e -> e.job().array().index()).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(listed.get(0).position()).isNull();
        assertThat(listed.get(1).position()).isEqualTo(1);
        assertThat(h.service().queue(ALICE, QueueQuery.array(array.arrayId(), JobStatus.PENDING, 2, 1)).entries())
                .extracting(e -> e.job().array().index()).containsExactly(2, 3);
    }

    @Test
    void maxRunningCapsTheArrayWhileTheUserLimitStillHolds() {
        h.settings(Map.of("max_concurrent", 10, "user_max_concurrent", 3, "local_job_max_concurrent", 4));

        SubmitResult capped = h.submit(ALICE, SubmitRequest.builder("train").array(new ArrayRequest(null, 5, 2)));
        String arrayId = capped.array().arrayId();

        assertThat(capped.array().started()).isEqualTo(2);
        assertThat(h.service().position(ALICE, capped.array().jobIds().get(2)).pendingReason().message())
                .isEqualTo("array " + arrayId + " at 2/2 running");

        SubmitResult wide = h.submit(ALICE, SubmitRequest.builder("train").array(new ArrayRequest(null, 3, 3)));

        assertThat(wide.array().started()).as("the user limit of 3 leaves one slot").isEqualTo(1);
        assertThat(h.service().position(ALICE, wide.array().jobIds().get(1)).pendingReason().message())
                .isEqualTo("user limit 3/3");
        assertThat(h.submit(BOB, "train").status()).as("other users are not held up").isEqualTo(SubmitResult.Outcome.RUNNING);

        h.runner.finish(capped.array().jobIds().get(0), 0);

        assertThat(arrayJobs(arrayId)).extracting(Job::status).containsExactly(JobStatus.COMPLETED,
                JobStatus.RUNNING, JobStatus.RUNNING, JobStatus.PENDING, JobStatus.PENDING);
    }

    @Test
    void anArrayIsAllOrNothing() {
        h.settings(Map.of("user_max_pending", 4, "max_concurrent", 1));
        long before = h.jobCount();

        assertThatThrownBy(() -> h.submit(ALICE, SubmitRequest.builder("train").array(new ArrayRequest(null, 6, null))))
                .isInstanceOf(ConflictException.class).hasMessageContaining("with the 5 jobs of this array that would wait, that passes the user_max_pending limit of 4");
        assertThat(h.jobCount()).as("no job of the refused array was stored").isEqualTo(before);

        assertThatThrownBy(() -> new ArrayRequest(Map.of("lr", List.of(1, Map.of("x", 1))), null, null))
                .isInstanceOf(ValidationException.class).hasMessage("array.values.lr must hold numbers, text or booleans,"
                        + " not a nested object");
        assertThatThrownBy(() -> new ArrayRequest(Map.of("lr", List.of(new java.math.BigDecimal("1e999999999"))), null, null))
                .isInstanceOf(ValidationException.class).hasMessageContaining("more than 40 digits");
        assertThatThrownBy(() -> new ArrayRequest(Map.of("lr", List.of(new java.math.BigDecimal("1e-20000000"))), null, null))
                .isInstanceOf(ValidationException.class).hasMessageContaining("give it as text");
        assertThat(new ArrayRequest(Map.of("lr", List.of(1e-4, 2.5e3, 30)), null, null).parameters(1))
                .containsEntry("lr", "2500");
        assertThatThrownBy(() -> new ArrayRequest(null, 10_001, null)).isInstanceOf(LimitOutOfRangeException.class)
                .hasMessageContaining("array.count");
        Map<String, List<Object>> huge = new LinkedHashMap<>();
        huge.put("a", java.util.stream.IntStream.range(0, 101).boxed().map(i -> (Object) i).toList());
        huge.put("b", java.util.stream.IntStream.range(0, 100).boxed().map(i -> (Object) i).toList());
        assertThatThrownBy(() -> new ArrayRequest(huge, null, null)).isInstanceOf(ValidationException.class)
                .hasMessage("array.values make more than 10000 combinations; split the sweep");
        assertThatThrownBy(() -> SubmitRequest.builder("train").array(new ArrayRequest(null, 2, null)).noWait(true).build())
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("no_wait applies to one job");
        assertThat(h.jobCount()).isEqualTo(before);
    }

    @Test
    void cancellingAnArrayCancelsItsWaitingAndRunningJobsInOneRequest() {
        h.settings(Map.of("max_concurrent", 2, "local_job_max_concurrent", 2));
        SubmitResult result = h.submit(ALICE, SubmitRequest.builder("train").array(new ArrayRequest(null, 4, null)));
        String arrayId = result.array().arrayId();
        h.runner.finish(result.array().jobIds().get(0), 0);

        assertThatThrownBy(() -> h.service().cancelArray(BOB, arrayId)).isInstanceOf(PermissionDeniedException.class);
        List<JobId> cancelled = h.service().cancelArray(ALICE, arrayId);

        assertThat(cancelled).containsExactlyInAnyOrderElementsOf(result.array().jobIds().subList(1, 4));
        assertThat(arrayJobs(arrayId)).extracting(Job::status).containsExactly(JobStatus.COMPLETED,
                JobStatus.CANCELLED, JobStatus.CANCELLED, JobStatus.CANCELLED);
        assertThat(h.runner.liveIds()).isEmpty();
    }

    @Test
    void repeatingAnArraySubmitWithItsIdempotencyKeyReturnsTheSameArray() {
        SubmitRequest.Builder request = SubmitRequest.builder("train").array(new ArrayRequest(null, 3, null))
                .idempotencyKey("sweep-1");
        SubmitResult first = h.submit(ALICE, request);

        SubmitResult again = h.submit(ALICE, request);

        assertThat(again.array().arrayId()).isEqualTo(first.array().arrayId());
        assertThat(again.array().jobIds()).isEqualTo(first.array().jobIds());
        assertThat(h.jobCount()).isEqualTo(3);
    }
}
