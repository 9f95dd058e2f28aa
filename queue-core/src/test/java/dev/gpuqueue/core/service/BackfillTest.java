package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.QueueHarness.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.testing.QueueHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Backfill on 4 simulated GPUs with a test clock: a 3-GPU job runs with a 1-hour limit, a 4-GPU job
 * waits at the head for all four; what may start on the one free GPU meanwhile.
 */
class BackfillTest extends StoreBackedTest {
    private QueueHarness h;

    @BeforeEach
    void queue() {
        h = new QueueHarness(newStore());
        h.settings(Map.of("max_concurrent", 10, "user_max_concurrent", 10, "local_job_max_concurrent", 4));
    }

    private JobId submit(int gpus, Long maxRuntimeSeconds) {
        JobSpec spec = JobSpec.builder().command(List.of("python", "train.py")).numProcesses(gpus)
                .maxRuntimeSeconds(maxRuntimeSeconds).build();
        return h.submit(ALICE, SubmitRequest.builder("train").spec(spec)).jobId();
    }

    private String reason(JobId id) {
        return h.service().position(ALICE, id).pendingReason().message();
    }

    @Test
    void aShortJobStartsBesideTheWaitingHeadWhenItEndsBeforeTheHeadCanStart() {
        JobId running = submit(3, 3600L);
        h.clock.advance(Duration.ofMinutes(1));
        JobId head = submit(4, null);

        String expected = h.clock.instant().plus(Duration.ofMinutes(59)).toString();
        assertThat(reason(head)).isEqualTo("waiting for 4 GPUs (1 free); expected to start by " + expected);

        JobId tenMinutes = submit(1, 600L);

        assertThat(h.job(tenMinutes).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.job(tenMinutes).allocatedGpus()).containsExactly(3);
        assertThat(h.events(tenMinutes)).filteredOn(e -> e.type() == QueueEvent.Type.DISPATCHED).singleElement()
                .satisfies(e -> assertThat(e.detail()).contains("backfilled: ends by")
                        .contains("before job " + head + " is expected to start (" + expected + ")"));
        assertThat(h.job(head).status()).isEqualTo(JobStatus.PENDING);
        assertThat(h.job(running).status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void aJobThatWouldEndAfterTheHeadsStartDoesNotStart() {
        submit(3, 3600L);
        JobId head = submit(4, null);

        JobId twoHours = submit(1, 7200L);
        JobId unlimited = submit(1, null);

        assertThat(h.job(twoHours).status()).isEqualTo(JobStatus.PENDING);
        assertThat(reason(twoHours)).isEqualTo("behind a job waiting for GPUs");
        assertThat(h.job(unlimited).status()).isEqualTo(JobStatus.PENDING);
        assertThat(h.job(head).status()).isEqualTo(JobStatus.PENDING);
    }

    @Test
    void nothingIsBackfilledWhenARunningJobHasNoLimitOrBackfillIsOff() {
        JobId unlimited = submit(3, null);
        JobId head = submit(4, null);
        JobId tenMinutes = submit(1, 600L);

        assertThat(reason(head)).as("the start is unknown").isEqualTo("waiting for 4 GPUs (1 free)");
        assertThat(h.job(tenMinutes).status()).isEqualTo(JobStatus.PENDING);

        h.service().cancel(ALICE, unlimited);
        h.service().cancel(ALICE, head);
        h.service().process(QueueHarness.ADMIN);
        assertThat(h.job(tenMinutes).status()).isEqualTo(JobStatus.RUNNING);
        h.service().cancel(ALICE, tenMinutes);

        h.settings(Map.of("enable_backfill", false));
        submit(3, 3600L);
        JobId nextHead = submit(4, null);
        JobId short2 = submit(1, 600L);

        assertThat(reason(nextHead)).as("the expected start is still shown").contains("expected to start by");
        assertThat(h.job(short2).status()).isEqualTo(JobStatus.PENDING);
    }

    @Test
    void aShortJobFarBehindALongQueueIsFoundAndAQueueWithNoneIsNotReadWhole() {
        submit(3, 3600L);
        JobId head = submit(4, null);
        for (int i = 0; i < 100; i++) {
            submit(1, null);
        }
        Long shortest = h.read(r -> r.shortestPendingLocalTimeLimit());
        assertThat(shortest).as("no pending job could be backfilled").isNull();

        JobId farBehind = submit(1, 600L);

        assertThat(h.job(farBehind).status()).as("found behind 100 unlimited jobs").isEqualTo(JobStatus.RUNNING);
        assertThat(h.job(head).status()).isEqualTo(JobStatus.PENDING);
        assertThat(h.running()).hasSize(2);
    }

    @Test
    void theHeadStartsOnTimeOnceTheRunningJobEnds() {
        JobId running = submit(3, 3600L);
        JobId head = submit(4, null);
        JobId tenMinutes = submit(1, 600L);
        h.clock.advance(Duration.ofMinutes(10));
        h.runner.finish(tenMinutes, 0);
        assertThat(h.job(head).status()).isEqualTo(JobStatus.PENDING);

        h.clock.advance(Duration.ofMinutes(50));
        h.runner.finish(running, 0);

        assertThat(h.job(head).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(h.job(head).allocatedGpus()).containsExactly(0, 1, 2, 3);
    }
}
