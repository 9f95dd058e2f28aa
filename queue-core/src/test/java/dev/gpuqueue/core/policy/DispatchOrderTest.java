package dev.gpuqueue.core.policy;

import static dev.gpuqueue.core.testing.TestJobs.ALICE;
import static dev.gpuqueue.core.testing.TestJobs.BOB;
import static dev.gpuqueue.core.testing.TestJobs.CAROL;
import static dev.gpuqueue.core.testing.TestJobs.T0;
import static dev.gpuqueue.core.testing.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DispatchOrderTest {
    private static final QueueSettings DEFAULTS = QueueSettings.DEFAULTS;

    private static List<String> order(List<Job> jobs, QueueSettings settings, Instant now) {
        return DispatchOrder.rank(jobs, settings, now).stream().map(e -> e.job().id().value()).toList();
    }

    @Test
    void anAdminJobOvertakesAnEarlierResearcherJob() {
        Job researcher = job().id("researcher").level(Level.RESEARCHER).queuedAt(T0).build();
        Job admin = job().id("admin").level(Level.ADMIN).queuedAt(T0.plusSeconds(300)).build();

        assertThat(order(List.of(researcher, admin), DEFAULTS, T0.plusSeconds(301))).containsExactly("admin", "researcher");
    }

    @Test
    void equalPrioritiesRunFirstInFirstOut() {
        Job first = job().id("first").queuedAt(T0).build();
        Job second = job().id("second").queuedAt(T0.plusMillis(1)).build();
        Job third = job().id("third").queuedAt(T0.plusSeconds(5)).build();

        assertThat(order(List.of(third, second, first), DEFAULTS, T0.plusSeconds(10)))
                .containsExactly("first", "second", "third");
    }

    @Test
    void anEqualQueuedAtIsBrokenByTheSubmitSequenceNeverAtRandom() {
        Job a = job().id("a").queuedAt(T0).build();
        Job b = job().id("b").queuedAt(T0).build();
        Job c = job().id("c").queuedAt(T0).build();
        assertThat(a.seq()).isLessThan(b.seq());
        assertThat(b.seq()).isLessThan(c.seq());

        assertThat(order(List.of(c, a, b), DEFAULTS, T0)).containsExactly("a", "b", "c");
        assertThat(order(List.of(b, c, a), DEFAULTS, T0)).containsExactly("a", "b", "c");
    }

    @Test
    void anOverrideOf45BeatsAnAdminAndAnOverrideCanAlsoDemote() {
        Job admin = job().id("admin").level(Level.ADMIN).queuedAt(T0).build();
        Job boosted = job().id("boosted").level(Level.VIEWER).override(45).queuedAt(T0.plusSeconds(60)).build();
        Job demoted = job().id("demoted").level(Level.ADMIN).override(5).queuedAt(T0).build();
        Job researcher = job().id("researcher").queuedAt(T0.plusSeconds(90)).build();

        assertThat(order(List.of(admin, boosted, demoted, researcher), DEFAULTS, T0.plusSeconds(100)))
                .containsExactly("boosted", "admin", "researcher", "demoted");
        assertThat(DispatchOrder.effectivePriority(boosted, DEFAULTS, T0.plusSeconds(100))).isEqualTo(45);
    }

    @Test
    void aViewerJobPendingThreeThresholdsRisesByTheCappedBoost() {
        QueueSettings settings = DEFAULTS.toBuilder()
                .starvationThresholdMinutes(60).starvationBoost(10).starvationMaxBoost(25).build();
        Job viewer = job().id("viewer").level(Level.VIEWER).queuedAt(T0).build();
        Instant justUnderThree = T0.plus(Duration.ofMinutes(179));
        Instant threeHours = T0.plus(Duration.ofHours(3));
        Job lead = job().id("lead").level(Level.LEAD).queuedAt(justUnderThree).build();

        assertThat(DispatchOrder.effectivePriority(viewer, settings, T0.plus(Duration.ofMinutes(59)))).isZero();
        assertThat(DispatchOrder.effectivePriority(viewer, settings, T0.plus(Duration.ofMinutes(60)))).isEqualTo(10);
        assertThat(DispatchOrder.effectivePriority(viewer, settings, justUnderThree)).isEqualTo(20);
        assertThat(DispatchOrder.effectivePriority(viewer, settings, threeHours)).isEqualTo(25);
        assertThat(DispatchOrder.effectivePriority(viewer, settings, T0.plus(Duration.ofDays(30)))).isEqualTo(25);

        // 20 + 0 vs 0 + 20: equal, the viewer was queued earlier; after the third threshold it leads outright.
        assertThat(order(List.of(lead, viewer), settings, justUnderThree)).containsExactly("viewer", "lead");
        assertThat(order(List.of(lead, viewer), settings, threeHours)).containsExactly("viewer", "lead");
        assertThat(DispatchOrder.effectivePriority(lead, settings, threeHours)).isEqualTo(20);
    }

    @Test
    void anApprovedJobAgesFromItsApprovalTimeNotItsSubmitTime() {
        Instant approvedAt = T0.plus(Duration.ofHours(5));
        Job approved = job().blocked().queuedAt(T0).build().approved(99, approvedAt);

        assertThat(DispatchOrder.effectivePriority(approved, DEFAULTS, approvedAt.plus(Duration.ofMinutes(59))))
                .isEqualTo(10);
        assertThat(DispatchOrder.effectivePriority(approved, DEFAULTS, approvedAt.plus(Duration.ofMinutes(60))))
                .isEqualTo(20);
    }

    @Test
    void aRequeuedJobKeepsItsAgeAndAnOverrideStillAges() {
        Job requeued = job().queuedAt(T0).running(0).build().requeued("lost");
        Job overridden = job().override(40).queuedAt(T0).build();
        Instant now = T0.plus(Duration.ofHours(2));

        assertThat(DispatchOrder.effectivePriority(requeued, DEFAULTS, now)).isEqualTo(10 + 20);
        assertThat(DispatchOrder.effectivePriority(overridden, DEFAULTS, now)).isEqualTo(40 + 20);
    }

    @Test
    void onlyPendingJobsAgeAndOnlyPendingJobsAreRanked() {
        Instant now = T0.plus(Duration.ofHours(10));
        Job blocked = job().blocked().queuedAt(T0).build();
        Job running = job().running(0).queuedAt(T0).build();

        assertThat(DispatchOrder.effectivePriority(blocked, DEFAULTS, now)).isEqualTo(10);
        assertThat(DispatchOrder.effectivePriority(running, DEFAULTS, now)).isEqualTo(10);
        assertThat(DispatchOrder.rank(List.of(blocked, running), DEFAULTS, now)).isEmpty();
    }

    @Test
    void positionsAreOneToNInDispatchOrderAndBestPositionIsPerUser() {
        Job a1 = job().id("a1").user(ALICE).build();
        Job b1 = job().id("b1").user(BOB).level(Level.ADMIN).build();
        Job a2 = job().id("a2").user(ALICE).build();

        List<QueueEntry> ranked = DispatchOrder.rank(List.of(a2, a1, b1), DEFAULTS, T0);

        assertThat(ranked).extracting(e -> e.job().id()).containsExactly(JobId.of("b1"), JobId.of("a1"), JobId.of("a2"));
        assertThat(ranked).extracting(QueueEntry::position).containsExactly(1, 2, 3);
        assertThat(DispatchOrder.bestPosition(ranked, ALICE.userId())).isEqualTo(2);
        assertThat(DispatchOrder.bestPosition(ranked, BOB.userId())).isEqualTo(1);
        assertThat(DispatchOrder.bestPosition(ranked, CAROL.userId())).isNull();
    }

    @Test
    void agingAddsNothingWhenTheBoostIsZeroOrTheClockIsBehind() {
        QueueSettings noBoost = DEFAULTS.toBuilder().starvationBoost(0).build();
        assertThat(Aging.boost(Duration.ofDays(7), noBoost)).isZero();
        assertThat(Aging.boost(Duration.ofMinutes(-5), DEFAULTS)).isZero();
        assertThat(Aging.boost(Duration.ofDays(365_000), DEFAULTS)).isEqualTo(30);
    }

    @Test
    void agingBandsSplitWaitingTimeIntoStepsUpToTheCap() {
        QueueSettings settings = DEFAULTS.toBuilder().starvationThresholdMinutes(60).starvationBoost(10).starvationMaxBoost(25).build();
        Instant now = T0.plus(Duration.ofDays(1));

        List<Aging.Band> bands = Aging.bands(settings, now);

        assertThat(bands).extracting(Aging.Band::boost).containsExactly(0, 10, 20, 25);
        assertThat(bands.get(0).atOrBefore()).isNull();
        assertThat(bands.get(3).after()).isNull();
        for (long minutes : new long[] {-5, 0, 59, 60, 61, 119, 120, 179, 180, 181, 10_000}) {
            Instant since = now.minus(Duration.ofMinutes(minutes));
            Job job = job().queuedAt(since).build();
            List<Aging.Band> containing = bands.stream().filter(b -> b.contains(since)).toList();
            assertThat(containing).as(minutes + " minutes").hasSize(1);
            assertThat(containing.get(0).boost()).as(minutes + " minutes").isEqualTo(Aging.boost(job, settings, now));
        }
    }

    @Test
    void withoutAgingThereIsOneBand() {
        assertThat(Aging.bands(DEFAULTS.toBuilder().starvationBoost(0).build(), T0)).singleElement()
                .satisfies(b -> assertThat(b.boost()).isZero());
        assertThat(Aging.bands(DEFAULTS.toBuilder().starvationMaxBoost(0).build(), T0)).hasSize(1);
    }
}
