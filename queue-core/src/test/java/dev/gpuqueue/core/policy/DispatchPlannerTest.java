package dev.gpuqueue.core.policy;

import static dev.gpuqueue.core.testing.TestJobs.ALICE;
import static dev.gpuqueue.core.testing.TestJobs.BOB;
import static dev.gpuqueue.core.testing.TestJobs.CAROL;
import static dev.gpuqueue.core.testing.TestJobs.DAVE;
import static dev.gpuqueue.core.testing.TestJobs.T0;
import static dev.gpuqueue.core.testing.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.PendingReason;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.Submitter;
import dev.gpuqueue.core.model.Target;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DispatchPlannerTest {
    /** Enough GPUs and local slots that only the limit under test matters. */
    private static final QueueSettings ROOMY = QueueSettings.DEFAULTS.toBuilder().localJobMaxConcurrent(10).build();
    private static final List<Integer> EIGHT_GPUS = gpus(8);
    private static final List<Integer> FOUR_GPUS = gpus(4);

    private static List<Integer> gpus(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    private static PassPlan plan(List<Job> pending, List<Job> running, QueueSettings settings, List<Integer> gpus) {
        return DispatchPlanner.plan(PassInput.of(pending, running, settings, gpus, T0.plusSeconds(60)));
    }

    private static PassPlan planWithCloud(List<Job> pending, List<Job> running, QueueSettings settings,
            List<Integer> gpus, Set<String> providers) {
        return DispatchPlanner.plan(new PassInput(pending, running, settings, new TreeSet<>(gpus), providers, Map.of(), true,
                List.of(), T0.plusSeconds(60)));
    }

    /** job id → GPUs it starts on, in start order. */
    private static Map<String, List<Integer>> started(PassPlan plan) {
        Map<String, List<Integer>> started = new LinkedHashMap<>();
        plan.starts().forEach(s -> started.put(s.job().id().value(), s.placement().gpus()));
        return started;
    }

    /** job id → reason message, in dispatch order. */
    private static Map<String, String> waiting(PassPlan plan) {
        return plan.reasons().entrySet().stream().collect(Collectors.toMap(
                e -> e.getKey().value(), e -> e.getValue().message(), (a, b) -> a, LinkedHashMap::new));
    }

    @Test
    void aUserAtTheUserLimitIsSkippedAndThePassGoesOnToTheNextUser() {
        Job a1 = job().id("a1").user(ALICE).build();
        Job a2 = job().id("a2").user(ALICE).build();
        Job a3 = job().id("a3").user(ALICE).build();
        Job b1 = job().id("b1").user(BOB).build();

        PassPlan plan = plan(List.of(a1, a2, a3, b1), List.of(), ROOMY, EIGHT_GPUS);

        assertThat(started(plan)).containsOnlyKeys("a1", "a2", "b1");
        assertThat(waiting(plan)).containsExactly(Map.entry("a3", "user limit 2/2"));
        assertThat(plan.reasons().get(JobId.of("a3")).kind()).isEqualTo(PendingReason.Kind.USER_LIMIT);
    }

    @Test
    void theGlobalLimitStopsThePass() {
        QueueSettings settings = ROOMY.toBuilder().maxConcurrent(3).build();
        Job carolRunning = job().user(CAROL).running(7).build();
        Job a1 = job().id("a1").user(ALICE).build();
        Job b1 = job().id("b1").user(BOB).build();
        Job d1 = job().id("d1").user(DAVE).build();
        Job c1 = job().id("c1").user(CAROL).build();

        PassPlan plan = plan(List.of(a1, b1, d1, c1), List.of(carolRunning), settings, EIGHT_GPUS);

        assertThat(started(plan)).containsExactly(Map.entry("a1", List.of(0)), Map.entry("b1", List.of(1)));
        assertThat(waiting(plan)).containsExactly(Map.entry("d1", "global limit 3/3"), Map.entry("c1", "global limit 3/3"));
    }

    @Test
    void theTeamLimitAppliesOnlyWithFairShareAndOnlyToJobsWithATeam() {
        QueueSettings teamOfOne = ROOMY.toBuilder().teamMaxConcurrent(1).build();
        Job a1 = job().id("a1").user(ALICE).build();
        Job b1 = job().id("b1").user(BOB).build();
        Job d1 = job().id("d1").user(DAVE).build();
        Job d2 = job().id("d2").user(DAVE).build();
        List<Job> pending = List.of(a1, b1, d1, d2);

        PassPlan off = plan(pending, List.of(), teamOfOne, EIGHT_GPUS);
        assertThat(started(off)).containsOnlyKeys("a1", "b1", "d1", "d2");

        PassPlan on = plan(pending, List.of(), teamOfOne.toBuilder().enableFairShare(true).build(), EIGHT_GPUS);
        assertThat(started(on)).containsOnlyKeys("a1", "d1", "d2");
        assertThat(waiting(on)).containsExactly(Map.entry("b1", "team alpha at 1/1"));
    }

    @Test
    void theSeedsFairShareExampleGivesAlphaThreeAndCarolTwo() {
        // max_concurrent=6, user_max_concurrent=2, team_max_concurrent=3; Alice and Bob in alpha (4 jobs),
        // Carol in beta (3 jobs).
        QueueSettings settings = ROOMY.toBuilder()
                .maxConcurrent(6).userMaxConcurrent(2).teamMaxConcurrent(3).enableFairShare(true).build();
        Job alice1 = job().id("alice1").user(ALICE).build();
        Job alice2 = job().id("alice2").user(ALICE).build();
        Job bob1 = job().id("bob1").user(BOB).build();
        Job bob2 = job().id("bob2").user(BOB).build();
        Job carol1 = job().id("carol1").user(CAROL).build();
        Job carol2 = job().id("carol2").user(CAROL).build();
        Job carol3 = job().id("carol3").user(CAROL).build();

        PassPlan plan = plan(List.of(alice1, alice2, bob1, bob2, carol1, carol2, carol3), List.of(), settings, EIGHT_GPUS);

        Map<String, Long> runningByTeam = plan.starts().stream()
                .collect(Collectors.groupingBy(s -> s.job().teamId(), Collectors.counting()));
        assertThat(runningByTeam).containsOnly(Map.entry("alpha", 3L), Map.entry("beta", 2L));
        assertThat(started(plan)).containsOnlyKeys("alice1", "alice2", "bob1", "carol1", "carol2");
        assertThat(waiting(plan)).containsExactly(
                Map.entry("bob2", "team alpha at 3/3"),
                Map.entry("carol3", "user limit 2/2"));
    }

    @Test
    void aPinnedJobWaitsForItsGpusWhileAnAnyGpuJobAheadRunsAndOneBehindWaits() {
        Job holdsGpu2 = job().user(DAVE).running(2).build();
        Job ahead = job().id("ahead").user(ALICE).level(Level.LEAD).gpus(2).anyGpu().build();
        Job pinned = job().id("pinned").user(BOB).gpus(2).deviceIds(2, 3).build();
        Job behind = job().id("behind").user(CAROL).gpus(1).anyGpu().build();

        PassPlan plan = plan(List.of(pinned, behind, ahead), List.of(holdsGpu2), ROOMY, FOUR_GPUS);

        assertThat(started(plan)).containsExactly(Map.entry("ahead", List.of(0, 1)));
        assertThat(waiting(plan)).containsExactly(
                Map.entry("pinned", "waiting for GPUs [2, 3] (busy: [2])"),
                Map.entry("behind", "behind a job waiting for GPUs"));
    }

    @Test
    void aPinnedJobGetsExactlyItsGpusWhenTheyAreFree() {
        Job pinned = job().id("pinned").gpus(2).deviceIds(3, 1).build();
        Job anyGpuWithPreference = job().id("any").user(BOB).gpus(2).deviceIds(3, 1).anyGpu().build();

        PassPlan plan = plan(List.of(pinned, anyGpuWithPreference), List.of(), ROOMY, FOUR_GPUS);

        assertThat(started(plan)).containsExactly(Map.entry("pinned", List.of(1, 3)), Map.entry("any", List.of(0, 2)));
    }

    @Test
    void aFourGpuJobAtTheHeadIsNotStarvedByOneGpuJobsBehindIt() {
        Job small = job().user(DAVE).running(0).build();
        Job big = job().id("big").user(ALICE).level(Level.ADMIN).gpus(4).build();
        Job s1 = job().id("s1").user(BOB).build();
        Job s2 = job().id("s2").user(CAROL).build();

        PassPlan whileBusy = plan(List.of(big, s1, s2), List.of(small), ROOMY, FOUR_GPUS);
        assertThat(whileBusy.starts()).isEmpty();
        assertThat(waiting(whileBusy)).containsExactly(
                Map.entry("big", "waiting for 4 GPUs (3 free)"),
                Map.entry("s1", "behind a job waiting for GPUs"),
                Map.entry("s2", "behind a job waiting for GPUs"));

        PassPlan onceFree = plan(List.of(big, s1, s2), List.of(), ROOMY, FOUR_GPUS);
        assertThat(started(onceFree)).containsExactly(Map.entry("big", List.of(0, 1, 2, 3)));
        assertThat(waiting(onceFree)).containsExactly(
                Map.entry("s1", "waiting for 1 GPU (0 free)"),
                Map.entry("s2", "behind a job waiting for GPUs"));
    }

    @Test
    void jobsThatCanNeverFitAreSkippedWithTheReasonAndDoNotBlockTheQueue() {
        Job eight = job().id("eight").user(ALICE).gpus(8).build();
        Job duplicate = job().id("duplicate").user(BOB).gpus(2).deviceIds(1, 1).build();
        Job missing = job().id("missing").user(CAROL).gpus(1).deviceIds(7).build();
        Job tooFewIds = job().id("tooFew").user(DAVE).gpus(2).deviceIds(0).build();
        Job fits = job().id("fits").user(new Submitter(9, "erin", null)).gpus(2).build();

        PassPlan plan = plan(List.of(eight, duplicate, missing, tooFewIds, fits), List.of(), ROOMY, FOUR_GPUS);

        assertThat(started(plan)).containsExactly(Map.entry("fits", List.of(0, 1)));
        assertThat(waiting(plan)).containsExactly(
                Map.entry("eight", "can never fit: needs 8 GPUs but only 4 exist"),
                Map.entry("duplicate", "can never fit: device_ids [1, 1] list GPU 1 more than once"),
                Map.entry("missing", "can never fit: device_ids [7]: GPU 7 does not exist (GPUs: [0, 1, 2, 3])"),
                Map.entry("tooFew", "can never fit: needs 2 GPUs but device_ids lists only 1 [0]"));
        assertThat(plan.reasons().values()).extracting(PendingReason::kind).containsOnly(PendingReason.Kind.CAN_NEVER_FIT);
    }

    @Test
    void aSettingsChangeCanMakeAQueuedJobUnfittable() {
        QueueSettings capped = ROOMY.toBuilder().localGpuMaxConcurrent(2).build();
        Job three = job().id("three").gpus(3).build();
        Job one = job().id("one").user(BOB).build();

        PassPlan plan = plan(List.of(three, one), List.of(), capped, FOUR_GPUS);

        assertThat(started(plan)).containsOnlyKeys("one");
        assertThat(waiting(plan)).containsExactly(
                Map.entry("three", "can never fit: needs 3 GPUs but local_gpu_max_concurrent is 2"));
    }

    @Test
    void aMachineWithoutGpusCanRunNoLocalJob() {
        PassPlan plan = plan(List.of(job().id("j").build()), List.of(), ROOMY, List.of());

        assertThat(waiting(plan)).containsExactly(Map.entry("j", "can never fit: needs 1 GPU but this machine has no GPUs"));
    }

    @Test
    void blockedJobsHoldNoSlotAndAreNotStarted() {
        Job blocked1 = job().id("blocked1").user(ALICE).blocked().build();
        Job blocked2 = job().id("blocked2").user(ALICE).blocked().build();
        Job p1 = job().id("p1").user(ALICE).build();
        Job p2 = job().id("p2").user(ALICE).build();

        PassPlan plan = plan(List.of(blocked1, blocked2, p1, p2), List.of(), ROOMY, EIGHT_GPUS);

        assertThat(started(plan)).containsOnlyKeys("p1", "p2");
        assertThat(plan.entries()).extracting(e -> e.job().id().value()).containsExactly("p1", "p2");
    }

    @Test
    void theLocalJobLimitHoldsBackEveryLocalJobButNotCloudJobs() {
        Job first = job().id("first").user(ALICE).build();
        Job second = job().id("second").user(BOB).build();
        Job cloud = job().id("cloud").user(CAROL).cloud("replicate").build();

        PassPlan plan = planWithCloud(List.of(first, second, cloud), List.of(), QueueSettings.DEFAULTS, FOUR_GPUS,
                Set.of("replicate"));

        assertThat(started(plan)).containsOnlyKeys("first", "cloud");
        assertThat(waiting(plan)).containsExactly(Map.entry("second", "local job limit 1/1"));
    }

    @Test
    void theLocalGpuLimitHoldsBackTheHeadAndLocalJobsBehindItButNotCloudJobs() {
        QueueSettings settings = ROOMY.toBuilder().localGpuMaxConcurrent(2).build();
        Job running = job().user(DAVE).running(0).build();
        Job two = job().id("two").user(ALICE).gpus(2).build();
        Job one = job().id("one").user(BOB).build();
        Job cloud = job().id("cloud").user(CAROL).cloud("replicate").build();

        PassPlan plan = planWithCloud(List.of(two, one, cloud), List.of(running), settings, FOUR_GPUS, Set.of("replicate"));

        assertThat(started(plan)).containsOnlyKeys("cloud");
        assertThat(waiting(plan)).containsExactly(
                Map.entry("two", "local GPU limit: needs 2, 1/2 in use"),
                Map.entry("one", "behind a job waiting for GPUs"));
    }

    @Test
    void cloudJobsWithoutADispatcherAndWorkerJobsWithoutWorkersWait() {
        Job cloud = job().id("cloud").cloud("lambda").build();
        Job worker = job().id("worker").user(BOB).target(Target.WORKER).build();
        Job local = job().id("local").user(CAROL).target(Target.LOCAL).build();

        PassPlan plan = plan(List.of(cloud, worker, local), List.of(), ROOMY, FOUR_GPUS);

        assertThat(started(plan)).containsOnlyKeys("local");
        assertThat(waiting(plan)).containsExactly(
                Map.entry("cloud", "no runner for provider 'lambda'"),
                Map.entry("worker", "no worker is online"));
    }

    @Test
    void everyLimitCountsEveryKindOfRunningJob() {
        Job cloudRunning = job().user(ALICE).cloud("replicate").runningOnWorker("w1").build();
        Job workerRunning = job().user(ALICE).runningOnWorker("w2").build();
        Job alicePending = job().id("alice").user(ALICE).build();
        Job bobPending = job().id("bob").user(BOB).build();

        QueueSettings settings = ROOMY.toBuilder().maxConcurrent(3).build();
        PassPlan plan = plan(List.of(alicePending, bobPending), List.of(cloudRunning, workerRunning), settings, FOUR_GPUS);

        assertThat(waiting(plan)).containsExactly(Map.entry("alice", "user limit 2/2"));
        assertThat(started(plan)).containsExactly(Map.entry("bob", List.of(0)));
    }

    @Test
    void jobsOnWorkersHoldNoLocalSlot() {
        Job onWorker = job().user(ALICE).runningOnWorker("w1").build();
        Job local = job().id("local").user(BOB).build();

        PassPlan plan = plan(List.of(local), List.of(onWorker), QueueSettings.DEFAULTS, FOUR_GPUS);

        assertThat(started(plan)).containsExactly(Map.entry("local", List.of(0)));
    }

    @Test
    void entriesCarryPositionsAndEffectivePrioritiesInDispatchOrder() {
        Job admin = job().id("admin").user(BOB).level(Level.ADMIN).build();
        Job researcher = job().id("researcher").user(ALICE).build();

        PassPlan plan = plan(List.of(researcher, admin), List.of(), QueueSettings.DEFAULTS, FOUR_GPUS);

        assertThat(plan.entries()).extracting(QueueEntry::position).containsExactly(1, 2);
        assertThat(plan.entries()).extracting(QueueEntry::effectivePriority).containsExactly(30, 10);
        assertThat(started(plan)).containsOnlyKeys("admin");
        assertThat(plan.waiting()).extracting(e -> e.job().id().value()).containsExactly("researcher");
    }
}
