package dev.gpuqueue.core.policy;

import static dev.gpuqueue.core.testing.TestJobs.T0;
import static dev.gpuqueue.core.testing.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.TimeSpan;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class WaitTimesTest {
    private static final Instant NOW = T0.plus(Duration.ofDays(2));

    private static TimeSpan waited(Job job) {
        return new TimeSpan(job.queuedAt(), job.startedAt());
    }

    private static TimeSpan ran(Job job) {
        return new TimeSpan(job.startedAt(), job.completedAt());
    }

    /** A job queued at {@code queued}, started {@code waited} later, completed {@code ran} after that. */
    private static Job completed(Instant queued, Duration waited, Duration ran) {
        Instant started = queued.plus(waited);
        return job().queuedAt(queued).build()
                .dispatched(Placement.localGpus(List.of(0)), started)
                .completed(0, started.plus(ran));
    }

    @Test
    void averageWaitCoversJobsStartedInTheLast24Hours() {
        Instant recent = NOW.minus(Duration.ofHours(3));
        Job a = completed(recent, Duration.ofSeconds(30), Duration.ofMinutes(1));
        Job b = completed(recent, Duration.ofSeconds(60), Duration.ofMinutes(1));
        Job running = job().queuedAt(recent).build().dispatched(Placement.localGpus(List.of(1)), recent.plusSeconds(90));
        Job old = completed(NOW.minus(Duration.ofHours(30)), Duration.ofHours(1), Duration.ofMinutes(1));
        TimeSpan clockSteppedBack = new TimeSpan(recent, recent.minusSeconds(5));

        assertThat(WaitTimes.averageWaitSeconds(List.of(waited(a), waited(b), waited(running), waited(old),
                clockSteppedBack), NOW)).isEqualTo(45.0);
    }

    @Test
    void averageWaitIsNullWhenNothingStartedRecently() {
        Job old = completed(NOW.minus(Duration.ofHours(30)), Duration.ofHours(1), Duration.ofMinutes(1));
        assertThat(WaitTimes.averageWaitSeconds(List.of(waited(old)), NOW)).isNull();
        assertThat(WaitTimes.averageWaitSeconds(List.of(), NOW)).isNull();
    }

    @Test
    void medianRunTimeUsesRunsThatEndedInTheLast24HoursOnly() {
        Instant recent = NOW.minus(Duration.ofHours(5));
        List<TimeSpan> runs = List.of(
                ran(completed(recent, Duration.ZERO, Duration.ofMinutes(10))),
                ran(completed(recent, Duration.ZERO, Duration.ofMinutes(30))),
                ran(completed(recent, Duration.ZERO, Duration.ofMinutes(20))),
                ran(completed(NOW.minus(Duration.ofDays(1).plusHours(2)), Duration.ZERO, Duration.ofMinutes(1))));

        assertThat(WaitTimes.medianRunTime(runs, NOW)).isEqualTo(Duration.ofMinutes(20));
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(WaitTimes.median(List.of(Duration.ofMinutes(40), Duration.ofMinutes(10),
                Duration.ofMinutes(20), Duration.ofMinutes(30)))).isEqualTo(Duration.ofMinutes(25));
        assertThat(WaitTimes.median(List.of())).isNull();
    }

    @Test
    void estimatedWaitIsRoundsOfMaxConcurrentTimesTheMedianRun() {
        Duration median = Duration.ofMinutes(10);
        assertThat(WaitTimes.estimatedWaitSeconds(1, 5, median)).isEqualTo(600.0);
        assertThat(WaitTimes.estimatedWaitSeconds(5, 5, median)).isEqualTo(600.0);
        assertThat(WaitTimes.estimatedWaitSeconds(6, 5, median)).isEqualTo(1200.0);
        assertThat(WaitTimes.estimatedWaitSeconds(11, 5, median)).isEqualTo(1800.0);
    }

    @Test
    void estimatedWaitIsNullWithoutRecentCompletionsOrWithoutAPosition() {
        assertThat(WaitTimes.estimatedWaitSeconds(3, 5, null)).isNull();
        assertThat(WaitTimes.estimatedWaitSeconds(null, 5, Duration.ofMinutes(1))).isNull();
    }
}
