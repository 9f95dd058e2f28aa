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
import dev.gpuqueue.core.model.OnlineWorker;
import dev.gpuqueue.core.model.PendingReason;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.Submitter;
import dev.gpuqueue.core.model.Target;
import dev.gpuqueue.core.testing.TestJobs;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link DispatchPlanner} with remote workers online. */
class WorkerPlacementTest {
    /** Enough local slots that only the limit under test matters. */
    private static final QueueSettings ROOMY = QueueSettings.DEFAULTS.toBuilder().localJobMaxConcurrent(10).build();
    private static final List<Integer> FOUR_GPUS = IntStream.range(0, 4).boxed().toList();
    private static final Submitter ERIN = new Submitter(5, "erin", null);

    private static PassPlan plan(List<Job> pending, List<Job> running, QueueSettings settings, List<Integer> gpus,
            List<OnlineWorker> workers) {
        return DispatchPlanner.plan(new PassInput(pending, running, settings, new TreeSet<>(gpus), Set.of(), Map.of(), false,
                workers, T0.plusSeconds(60)));
    }

    private static OnlineWorker worker(String id, int gpus, String... labels) {
        return new OnlineWorker(id, labelMap(labels), gpus, false);
    }

    private static OnlineWorker draining(String id, int gpus, String... labels) {
        return new OnlineWorker(id, labelMap(labels), gpus, true);
    }

    private static Map<String, String> labelMap(String... keyValues) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    /** {@code draft} built with the worker labels {@code labels}. */
    private static Job labeled(TestJobs.Draft draft, String... labels) {
        return draft.build().toBuilder().workerLabels(labelMap(labels)).build();
    }

    /** job id → placement, in start order. */
    private static Map<String, Placement> placed(PassPlan plan) {
        Map<String, Placement> placed = new LinkedHashMap<>();
        plan.starts().forEach(s -> placed.put(s.job().id().value(), s.placement()));
        return placed;
    }

    /** job id → reason message, in dispatch order. */
    private static Map<String, String> waiting(PassPlan plan) {
        return plan.reasons().entrySet().stream().collect(Collectors.toMap(
                e -> e.getKey().value(), e -> e.getValue().message(), (a, b) -> a, LinkedHashMap::new));
    }

    private static PendingReason.Kind kindOf(PassPlan plan, String id) {
        return plan.reasons().get(JobId.of(id)).kind();
    }

    // ---- target worker ---------------------------------------------------------------------------

    @Test
    void aWorkerJobGoesToTheMatchingIdleWorker() {
        List<OnlineWorker> workers = List.of(
                worker("h100-box", 8, "gpu_type", "h100"),
                worker("a100-small", 2, "gpu_type", "a100"),
                worker("a100-big", 8, "gpu_type", "a100-80gb"));
        Job job = labeled(job().id("train").target(Target.WORKER).gpus(4), "gpu_type", "a100*");

        PassPlan plan = plan(List.of(job), List.of(), ROOMY, FOUR_GPUS, workers);

        assertThat(placed(plan)).containsExactly(Map.entry("train", Placement.worker("a100-big")));
        Placement placement = plan.starts().get(0).placement();
        assertThat(placement.runner()).isEqualTo("worker");
        assertThat(placement.workerId()).isEqualTo("a100-big");
        assertThat(placement.gpus()).isEmpty();
        assertThat(placement.isLocal()).isFalse();
        assertThat(plan.waiting()).isEmpty();
        assertThat(plan.tail().busyWorkers()).containsExactly("a100-big");
        assertThat(plan.tail().heldGpus()).isEmpty();
        assertThat(plan.tail().localJobs()).isZero();
    }

    @Test
    void aWorkerJobWithNoWorkerThatCanRunItWaitsWithTheRequirement() {
        List<OnlineWorker> workers = List.of(worker("a100-small", 2, "gpu_type", "a100"), worker("h100-box", 8, "gpu_type", "h100"));
        Job job = labeled(job().id("train").target(Target.WORKER).gpus(4), "gpu_type", "a100*");

        PassPlan plan = plan(List.of(job), List.of(), ROOMY, FOUR_GPUS, workers);

        assertThat(plan.starts()).isEmpty();
        assertThat(waiting(plan)).containsExactly(Map.entry("train", "no worker matches gpu_type=a100*, 4 GPUs"));
        assertThat(kindOf(plan, "train")).isEqualTo(PendingReason.Kind.NO_WORKER);
    }

    @Test
    void twoWorkerJobsStartOnTwoIdleWorkersAndAThirdWaits() {
        List<OnlineWorker> workers = List.of(worker("w1", 1, "gpu_type", "a100"), worker("w2", 1, "gpu_type", "a100"),
                worker("other", 8, "gpu_type", "h100"));
        Job first = labeled(job().id("first").user(ALICE).target(Target.WORKER), "gpu_type", "a100");
        Job second = labeled(job().id("second").user(BOB).target(Target.WORKER), "gpu_type", "a100");
        Job third = labeled(job().id("third").user(CAROL).target(Target.WORKER), "gpu_type", "a100");

        PassPlan plan = plan(List.of(first, second, third), List.of(), ROOMY, FOUR_GPUS, workers);

        assertThat(placed(plan)).containsExactly(
                Map.entry("first", Placement.worker("w1")), Map.entry("second", Placement.worker("w2")));
        assertThat(waiting(plan)).containsExactly(Map.entry("third", "2 matching workers busy"));
        assertThat(kindOf(plan, "third")).isEqualTo(PendingReason.Kind.WORKERS_BUSY);
    }

    @Test
    void aWorkerRunningAJobIsBusy() {
        Job runningOnW1 = job().user(DAVE).runningOnWorker("w1").build();
        Job pending = job().id("pending").user(ALICE).target(Target.WORKER).build();

        PassPlan onlyW1 = plan(List.of(pending), List.of(runningOnW1), ROOMY, FOUR_GPUS, List.of(worker("w1", 1)));
        assertThat(onlyW1.starts()).isEmpty();
        assertThat(waiting(onlyW1)).containsExactly(Map.entry("pending", "1 matching worker busy"));

        PassPlan withW2 = plan(List.of(pending), List.of(runningOnW1), ROOMY, FOUR_GPUS,
                List.of(worker("w1", 1), worker("w2", 4)));
        assertThat(placed(withW2)).containsExactly(Map.entry("pending", Placement.worker("w2")));
    }

    @Test
    void aDrainingWorkerTakesNothing() {
        Job pending = job().id("pending").target(Target.WORKER).build();
        Job auto = job().id("auto").user(BOB).build();

        PassPlan plan = plan(List.of(pending, auto), List.of(), ROOMY, FOUR_GPUS, List.of(draining("w1", 8)));

        assertThat(placed(plan)).containsExactly(Map.entry("auto", Placement.localGpus(List.of(0))));
        assertThat(waiting(plan)).containsExactly(Map.entry("pending", "1 matching worker busy or draining"));
        assertThat(kindOf(plan, "pending")).isEqualTo(PendingReason.Kind.WORKERS_BUSY);
    }

    // ---- target auto -----------------------------------------------------------------------------

    @Test
    void anAutoJobPrefersAnIdleMatchingWorkerOverFreeLocalGpus() {
        Job auto = labeled(job().id("auto").gpus(2), "gpu_type", "a100*");

        PassPlan plan = plan(List.of(auto), List.of(), ROOMY, FOUR_GPUS,
                List.of(worker("h", 8, "gpu_type", "h100"), worker("a", 2, "gpu_type", "a100")));

        assertThat(placed(plan)).containsExactly(Map.entry("auto", Placement.worker("a")));
    }

    @Test
    void anAutoJobWithNoIdleMatchingWorkerTakesLocalGpus() {
        Job auto = labeled(job().id("auto").user(ALICE).gpus(2), "gpu_type", "a100");
        Job onA = job().user(DAVE).runningOnWorker("a").build();

        PassPlan busy = plan(List.of(auto), List.of(onA), ROOMY, FOUR_GPUS, List.of(worker("a", 8, "gpu_type", "a100")));
        assertThat(placed(busy)).containsExactly(Map.entry("auto", Placement.localGpus(List.of(0, 1))));

        PassPlan noMatch = plan(List.of(auto), List.of(), ROOMY, FOUR_GPUS, List.of(worker("h", 8, "gpu_type", "h100")));
        assertThat(placed(noMatch)).containsExactly(Map.entry("auto", Placement.localGpus(List.of(0, 1))));

        PassPlan tooSmall = plan(List.of(auto), List.of(), ROOMY, FOUR_GPUS, List.of(worker("a", 1, "gpu_type", "a100")));
        assertThat(placed(tooSmall)).containsExactly(Map.entry("auto", Placement.localGpus(List.of(0, 1))));

        PassPlan draining = plan(List.of(auto), List.of(), ROOMY, FOUR_GPUS, List.of(draining("a", 8, "gpu_type", "a100")));
        assertThat(placed(draining)).containsExactly(Map.entry("auto", Placement.localGpus(List.of(0, 1))));

        PassPlan none = plan(List.of(auto), List.of(), ROOMY, FOUR_GPUS, List.of());
        assertThat(placed(none)).containsExactly(Map.entry("auto", Placement.localGpus(List.of(0, 1))));
    }

    @Test
    void anAutoJobTooBigForThisMachineWaitsForAWorkerThatCanRunIt() {
        Job big = job().id("big").user(ALICE).gpus(8).build();
        Job onW8 = job().user(DAVE).runningOnWorker("w8").build();
        List<OnlineWorker> workers = List.of(worker("w4", 4), worker("w8", 8));

        PassPlan busy = plan(List.of(big), List.of(onW8), ROOMY, FOUR_GPUS, workers);
        assertThat(busy.starts()).isEmpty();
        assertThat(waiting(busy)).containsExactly(Map.entry("big", "1 matching worker busy"));
        assertThat(kindOf(busy, "big")).isEqualTo(PendingReason.Kind.WORKERS_BUSY);

        PassPlan idle = plan(List.of(big), List.of(), ROOMY, FOUR_GPUS, workers);
        assertThat(placed(idle)).containsExactly(Map.entry("big", Placement.worker("w8")));
    }

    @Test
    void anAutoJobTooBigForThisMachineDoesNotBlockLocalJobsBehindIt() {
        Job big = job().id("big").user(ALICE).gpus(8).build();
        Job small = job().id("small").user(BOB).build();
        Job onW8 = job().user(DAVE).runningOnWorker("w8").build();

        PassPlan plan = plan(List.of(big, small), List.of(onW8), ROOMY, FOUR_GPUS, List.of(worker("w8", 8)));

        assertThat(placed(plan)).containsExactly(Map.entry("small", Placement.localGpus(List.of(0))));
        assertThat(waiting(plan)).containsExactly(Map.entry("big", "1 matching worker busy"));
    }

    @Test
    void anAutoJobThatNoWorkerCouldEverRunAndThatDoesNotFitHereCanNeverFit() {
        Job big = labeled(job().id("big").user(ALICE).gpus(8), "gpu_type", "a100");
        Job fits = job().id("fits").user(BOB).build();

        PassPlan smallWorkers = plan(List.of(big, fits), List.of(), ROOMY, FOUR_GPUS,
                List.of(worker("w4", 4, "gpu_type", "a100"), worker("h8", 8, "gpu_type", "h100")));
        assertThat(waiting(smallWorkers)).containsExactly(Map.entry("big", "can never fit: needs 8 GPUs but only 4 exist"));
        assertThat(kindOf(smallWorkers, "big")).isEqualTo(PendingReason.Kind.CAN_NEVER_FIT);
        assertThat(placed(smallWorkers)).containsOnlyKeys("fits");

        PassPlan noWorkers = plan(List.of(big, fits), List.of(), ROOMY, FOUR_GPUS, List.of());
        assertThat(waiting(noWorkers)).containsExactly(Map.entry("big", "can never fit: needs 8 GPUs but only 4 exist"));
        assertThat(placed(noWorkers)).containsOnlyKeys("fits");
    }

    // ---- target local ----------------------------------------------------------------------------

    @Test
    void aLocalJobNeverGoesToAWorker() {
        Job local = job().id("local").target(Target.LOCAL).build();
        List<OnlineWorker> workers = List.of(worker("w1", 8));

        PassPlan free = plan(List.of(local), List.of(), ROOMY, FOUR_GPUS, workers);
        assertThat(placed(free)).containsExactly(Map.entry("local", Placement.localGpus(List.of(0))));

        Job holdsAll = job().user(DAVE).running(0, 1, 2, 3).build();
        PassPlan full = plan(List.of(local), List.of(holdsAll), ROOMY, FOUR_GPUS, workers);
        assertThat(full.starts()).isEmpty();
        assertThat(waiting(full)).containsExactly(Map.entry("local", "waiting for 1 GPU (0 free)"));
    }

    @Test
    void aLocalJobTooBigForThisMachineCanNeverFitEvenWithABigWorker() {
        Job local = job().id("local").target(Target.LOCAL).gpus(8).build();

        PassPlan plan = plan(List.of(local), List.of(), ROOMY, FOUR_GPUS, List.of(worker("w8", 8)));

        assertThat(waiting(plan)).containsExactly(Map.entry("local", "can never fit: needs 8 GPUs but only 4 exist"));
    }

    // ---- limits ----------------------------------------------------------------------------------

    @Test
    void theUserLimitCountsTheUsersJobOnAWorker() {
        QueueSettings settings = ROOMY.toBuilder().userMaxConcurrent(1).build();
        Job aliceOnWorker = job().user(ALICE).runningOnWorker("w1").build();
        Job aliceLocal = job().id("alice-local").user(ALICE).target(Target.LOCAL).build();
        Job bobLocal = job().id("bob-local").user(BOB).target(Target.LOCAL).build();

        PassPlan plan = plan(List.of(aliceLocal, bobLocal), List.of(aliceOnWorker), settings, FOUR_GPUS,
                List.of(worker("w1", 1)));

        assertThat(waiting(plan)).containsExactly(Map.entry("alice-local", "user limit 1/1"));
        assertThat(placed(plan)).containsExactly(Map.entry("bob-local", Placement.localGpus(List.of(0))));
    }

    @Test
    void theUserLimitCountsAWorkerJobStartedEarlierInThePass() {
        QueueSettings settings = ROOMY.toBuilder().userMaxConcurrent(1).build();
        Job onWorker = job().id("on-worker").user(ALICE).target(Target.WORKER).build();
        Job local = job().id("local").user(ALICE).target(Target.LOCAL).build();

        PassPlan plan = plan(List.of(onWorker, local), List.of(), settings, FOUR_GPUS, List.of(worker("w1", 1)));

        assertThat(placed(plan)).containsExactly(Map.entry("on-worker", Placement.worker("w1")));
        assertThat(waiting(plan)).containsExactly(Map.entry("local", "user limit 1/1"));
    }

    @Test
    void theGlobalLimitCountsWorkerJobs() {
        QueueSettings settings = ROOMY.toBuilder().maxConcurrent(2).build();
        Job onW1 = job().user(ALICE).runningOnWorker("w1").build();
        Job onW2 = job().user(BOB).runningOnWorker("w2").build();
        Job local = job().id("local").user(CAROL).build();

        PassPlan running = plan(List.of(local), List.of(onW1, onW2), settings, FOUR_GPUS,
                List.of(worker("w1", 1), worker("w2", 1)));
        assertThat(running.starts()).isEmpty();
        assertThat(waiting(running)).containsExactly(Map.entry("local", "global limit 2/2"));
        assertThat(running.tail().globalStop()).isTrue();
        assertThat(running.tail().saturated()).isTrue();

        Job w1 = job().id("w1-job").user(ALICE).target(Target.WORKER).build();
        Job w2 = job().id("w2-job").user(BOB).target(Target.WORKER).build();
        Job autoBehind = job().id("auto-behind").user(CAROL).build();
        PassPlan inPass = plan(List.of(w1, w2, autoBehind), List.of(), settings, FOUR_GPUS,
                List.of(worker("w1", 1), worker("w2", 1), worker("w3", 1)));
        assertThat(placed(inPass)).containsExactly(
                Map.entry("w1-job", Placement.worker("w1")), Map.entry("w2-job", Placement.worker("w2")));
        // w3 is idle, but the two worker jobs started in this pass reach the global limit.
        assertThat(waiting(inPass)).containsExactly(Map.entry("auto-behind", "global limit 2/2"));
    }

    @Test
    void workerJobsDoNotCountTowardTheLocalJobLimit() {
        QueueSettings oneLocal = QueueSettings.DEFAULTS; // local_job_max_concurrent = 1
        assertThat(oneLocal.localJobMaxConcurrent()).isEqualTo(1);
        Job onWorker = job().user(ALICE).runningOnWorker("w1").build();
        Job local = job().id("local").user(BOB).target(Target.LOCAL).build();

        PassPlan running = plan(List.of(local), List.of(onWorker), oneLocal, FOUR_GPUS, List.of(worker("w1", 1)));
        assertThat(placed(running)).containsExactly(Map.entry("local", Placement.localGpus(List.of(0))));

        Job workerJob = job().id("worker-job").user(ALICE).target(Target.WORKER).build();
        Job local1 = job().id("local1").user(BOB).target(Target.LOCAL).build();
        Job local2 = job().id("local2").user(CAROL).target(Target.LOCAL).build();
        PassPlan inPass = plan(List.of(workerJob, local1, local2), List.of(), oneLocal, FOUR_GPUS, List.of(worker("w1", 1)));
        assertThat(placed(inPass)).containsExactly(
                Map.entry("worker-job", Placement.worker("w1")), Map.entry("local1", Placement.localGpus(List.of(0))));
        assertThat(waiting(inPass)).containsExactly(Map.entry("local2", "local job limit 1/1"));
    }

    @Test
    void aWorkerJobStartsWhileTheLocalJobLimitIsReached() {
        Job localRunning = job().user(DAVE).running(0).build();
        Job local = job().id("local").user(ALICE).build();
        Job workerJob = job().id("worker-job").user(BOB).target(Target.WORKER).build();

        PassPlan plan = plan(List.of(local, workerJob), List.of(localRunning), QueueSettings.DEFAULTS, FOUR_GPUS,
                List.of(worker("w1", 1)));

        // The auto job ahead takes the idle worker first; the worker job then finds it busy.
        assertThat(placed(plan)).containsExactly(Map.entry("local", Placement.worker("w1")));
        assertThat(waiting(plan)).containsExactly(Map.entry("worker-job", "1 matching worker busy"));

        PassPlan twoWorkers = plan(List.of(local, workerJob), List.of(localRunning), QueueSettings.DEFAULTS, FOUR_GPUS,
                List.of(worker("w1", 1), worker("w2", 1)));
        assertThat(placed(twoWorkers)).containsExactly(
                Map.entry("local", Placement.worker("w1")), Map.entry("worker-job", Placement.worker("w2")));
    }

    // ---- head of line ----------------------------------------------------------------------------

    @Test
    void aBlockedLocalHeadDoesNotStopAWorkerJobBehindIt() {
        Job holdsGpu0 = job().user(DAVE).running(0).build();
        Job big = job().id("big").user(ALICE).target(Target.LOCAL).gpus(4).build();
        Job workerJob = job().id("worker-job").user(BOB).target(Target.WORKER).build();
        Job autoJob = job().id("auto").user(CAROL).build();
        Job localJob = job().id("local").user(ERIN).target(Target.LOCAL).build();

        PassPlan plan = plan(List.of(big, workerJob, autoJob, localJob), List.of(holdsGpu0), ROOMY, FOUR_GPUS,
                List.of(worker("w1", 1), worker("w2", 1)));

        assertThat(placed(plan)).containsExactly(
                Map.entry("worker-job", Placement.worker("w1")), Map.entry("auto", Placement.worker("w2")));
        assertThat(waiting(plan)).containsExactly(
                Map.entry("big", "waiting for 4 GPUs (3 free)"),
                Map.entry("local", "behind a job waiting for GPUs"));
    }

    @Test
    void theTailIsNotSaturatedWhileAnIdleWorkerRemains() {
        Job holdsGpu0 = job().user(DAVE).running(0).build();
        Job big = job().id("big").user(ALICE).target(Target.LOCAL).gpus(4).build();
        Job workerJob = job().id("worker-job").user(BOB).target(Target.WORKER).build();
        Job beyond = job().id("beyond").user(CAROL).target(Target.WORKER).build();

        PassPlan plan = plan(List.of(big, workerJob), List.of(holdsGpu0), ROOMY, FOUR_GPUS,
                List.of(worker("w1", 1), worker("w2", 1)));

        assertThat(placed(plan)).containsExactly(Map.entry("worker-job", Placement.worker("w1")));
        assertThat(plan.tail().localBlock()).isEqualTo(PendingReason.behindGpuJob());
        assertThat(plan.tail().globalStop()).isFalse();
        assertThat(plan.tail().saturated()).isFalse();
        assertThat(plan.reasonFor(beyond)).isNull();
    }

    @Test
    void theTailIsSaturatedWhenLocalIsBlockedAndNoIdleWorkerRemains() {
        Job holdsGpu0 = job().user(DAVE).running(0).build();
        Job big = job().id("big").user(ALICE).target(Target.LOCAL).gpus(4).build();
        Job workerJob = job().id("worker-job").user(BOB).target(Target.WORKER).build();
        Job beyondWorker = job().id("beyond-worker").user(CAROL).target(Target.WORKER).build();
        Job beyondLocal = job().id("beyond-local").user(ERIN).build();

        PassPlan plan = plan(List.of(big, workerJob), List.of(holdsGpu0), ROOMY, FOUR_GPUS,
                List.of(worker("w1", 1), draining("w2", 1)));

        assertThat(placed(plan)).containsExactly(Map.entry("worker-job", Placement.worker("w1")));
        assertThat(plan.tail().busyWorkers()).containsExactly("w1");
        assertThat(plan.tail().saturated()).isTrue();
        assertThat(plan.reasonFor(beyondWorker)).isEqualTo(PendingReason.workersBusy("2 matching workers busy or draining"));
        assertThat(plan.reasonFor(beyondLocal)).isEqualTo(PendingReason.behindGpuJob());
    }

    @Test
    void theTailIsNotSaturatedWhenLocalIsNotBlocked() {
        Job workerJob = job().id("worker-job").target(Target.WORKER).build();

        PassPlan plan = plan(List.of(workerJob), List.of(), ROOMY, FOUR_GPUS, List.of(worker("w1", 1)));

        assertThat(plan.tail().localBlock()).isNull();
        assertThat(plan.tail().saturated()).isFalse();
    }

    // ---- dispatch order --------------------------------------------------------------------------

    @Test
    void theHigherPriorityWorkerJobGetsTheOnlyWorker() {
        Job researcher = job().id("researcher").user(ALICE).target(Target.WORKER).build();
        Job lead = job().id("lead").user(BOB).level(Level.LEAD).target(Target.WORKER).build();

        PassPlan plan = plan(List.of(researcher, lead), List.of(), ROOMY, FOUR_GPUS, List.of(worker("w1", 1)));

        assertThat(placed(plan)).containsExactly(Map.entry("lead", Placement.worker("w1")));
        assertThat(waiting(plan)).containsExactly(Map.entry("researcher", "1 matching worker busy"));
    }

    @Test
    void aSmallWorkerJobAheadTakesTheSmallestWorkerLeavingTheBigOneForABigJob() {
        Job small = job().id("small").user(ALICE).target(Target.WORKER).build();
        Job large = job().id("large").user(BOB).target(Target.WORKER).gpus(8).build();

        PassPlan plan = plan(List.of(small, large), List.of(), ROOMY, FOUR_GPUS,
                List.of(worker("big", 8), worker("little", 1)));

        assertThat(placed(plan)).containsExactly(
                Map.entry("small", Placement.worker("little")), Map.entry("large", Placement.worker("big")));
    }
}
