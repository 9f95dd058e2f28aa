package dev.gpuqueue.core.policy;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.OnlineWorker;
import dev.gpuqueue.core.model.PendingReason;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.Target;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Plans one scheduling pass. Walks pending jobs in {@link DispatchOrder} and, for each:
 * <ol>
 *   <li>a job that can never fit is skipped with that reason (it does not hold up the queue);
 *   <li>global limit: when running jobs reach {@code max_concurrent}, the pass stops;
 *   <li>user limit: a user at {@code user_max_concurrent} is skipped, the pass goes on;
 *   <li>team limit (fair share on, job has a team): a team at {@code team_max_concurrent} is skipped;
 *   <li>placement: a job that names its runner (a cloud job) goes to that runner; a job with target
 *       {@code worker} goes to an idle matching worker ({@link WorkerMatching}) or waits; {@code auto}
 *       takes an idle matching worker when there is one, else the local GPUs; local placement needs
 *       the local job and GPU limits and free GPUs. A local job that does not fit blocks local
 *       placement for the rest of the pass (head of line), while other kinds behind it still go on.
 * </ol>
 * Every limit counts running jobs of every kind, including those started earlier in the same pass.
 * Stateless; each call works on its own tallies.
 */
public final class DispatchPlanner {
    private DispatchPlanner() {}

    public static PassPlan plan(PassInput input) {
        State state = new State(input);
        List<PassPlan.Start> starts = new ArrayList<>();
        List<QueueEntry> entries = new ArrayList<>();
        for (QueueEntry ranked : DispatchOrder.rank(input.pending(), input.settings(), input.now())) {
            Job job = ranked.job();
            PendingReason reason = waitReason(job, state, input);
            if (reason == null) {
                Placement placement = state.place(job);
                starts.add(new PassPlan.Start(job, placement));
                state.start(job, placement);
            }
            entries.add(new QueueEntry(job, ranked.effectivePriority(), ranked.position(), reason));
        }
        return new PassPlan(starts, entries, state.tail(input));
    }

    /**
     * The reason a job beyond the planned prefix waits, when the plan is saturated (no job after the
     * prefix can start, so the state the job would meet is the plan's final state). Null when the
     * plan is not saturated: the job's fate then depends on jobs the plan did not see.
     */
    public static PendingReason reasonBeyond(Job job, PassPlan plan) {
        PassPlan.Tail tail = plan.tail();
        if (!tail.saturated()) {
            return null;
        }
        return waitReason(job, new State(tail), tail.input());
    }

    /**
     * Why {@code job} must wait in {@code state}, or null when it can start now. May record a new
     * head-of-line block in {@code state}; never starts anything.
     */
    private static PendingReason waitReason(Job job, State state, PassInput input) {
        QueueSettings settings = input.settings();
        Optional<String> neverFit = job.wantsLocalGpus()
                ? GpuPlacement.neverFitReason(job, input.gpus(), settings)
                : Optional.empty();
        // An auto job too big for this machine still runs on a worker that can take it.
        boolean workerCouldTake = job.target() == Target.AUTO
                && input.workers().stream().anyMatch(w -> WorkerMatching.canRun(job, w));
        if (neverFit.isPresent() && !workerCouldTake) {
            return PendingReason.canNeverFit(neverFit.get());
        }
        if (state.running >= settings.maxConcurrent()) {
            return PendingReason.globalLimit(state.running, settings.maxConcurrent());
        }
        int userRunning = state.perUser.getOrDefault(job.userId(), 0);
        if (userRunning >= settings.userMaxConcurrent()) {
            return PendingReason.userLimit(userRunning, settings.userMaxConcurrent());
        }
        if (settings.enableFairShare() && job.teamId() != null) {
            int teamRunning = state.perTeam.getOrDefault(job.teamId(), 0);
            if (teamRunning >= settings.teamMaxConcurrent()) {
                return PendingReason.teamLimit(job.teamId(), teamRunning, settings.teamMaxConcurrent());
            }
        }
        if (job.namedRunner() != null) {
            if (!input.runners().contains(job.namedRunner())) {
                return PendingReason.noRunner(job.namedRunner());
            }
            String unavailable = input.unavailableRunners().get(job.namedRunner());
            return unavailable == null ? null : PendingReason.runnerUnavailable(job.namedRunner(), unavailable);
        }
        if (job.target() != Target.LOCAL) {
            if (WorkerMatching.choose(job, input.workers(), state.busyWorkers).isPresent()) {
                return null;
            }
            if (job.target() == Target.WORKER || neverFit.isPresent()) {
                return WorkerMatching.waitReason(job, input.workers(), state.busyWorkers);
            }
        }
        if (state.localBlock != null) {
            return state.localBlock;
        }
        if (state.localJobs >= settings.localJobMaxConcurrent()) {
            state.localBlock = PendingReason.localJobLimit(state.localJobs, settings.localJobMaxConcurrent());
            return state.localBlock;
        }
        Integer gpuCap = settings.localGpuMaxConcurrent();
        if (gpuCap != null && state.heldGpus.size() + job.numProcesses() > gpuCap) {
            state.localBlock = PendingReason.behindGpuJob();
            return PendingReason.localGpuLimit(job.numProcesses(), state.heldGpus.size(), gpuCap);
        }
        SortedSet<Integer> free = state.freeGpus();
        if (GpuPlacement.choose(job, free).isEmpty()) {
            state.localBlock = PendingReason.behindGpuJob();
            return GpuPlacement.waitReason(job, free);
        }
        return null;
    }

    /** Running counts as the pass goes (starts made during the pass count at once), and the head-of-line block. */
    private static final class State {
        private final SortedSet<Integer> installed;
        private final List<OnlineWorker> workers;
        private final Set<String> busyWorkers;
        private final Map<Long, Integer> perUser;
        private final Map<String, Integer> perTeam;
        private final SortedSet<Integer> heldGpus;
        private int running;
        private int localJobs;
        private PendingReason localBlock;

        State(PassInput input) {
            installed = input.gpus();
            workers = input.workers();
            busyWorkers = new HashSet<>();
            perUser = new HashMap<>();
            perTeam = new HashMap<>();
            heldGpus = new TreeSet<>();
            for (Job job : input.running()) {
                start(job, job.placement());
            }
        }

        /** The final state of a plan, to judge jobs beyond its prefix. */
        State(PassPlan.Tail tail) {
            installed = tail.input().gpus();
            workers = tail.input().workers();
            busyWorkers = new HashSet<>(tail.busyWorkers());
            perUser = new HashMap<>(tail.perUser());
            perTeam = new HashMap<>(tail.perTeam());
            heldGpus = new TreeSet<>(tail.heldGpus());
            running = tail.running();
            localJobs = tail.localJobs();
            localBlock = tail.localBlock();
        }

        Placement place(Job job) {
            if (job.namedRunner() != null) {
                return Placement.on(job.namedRunner());
            }
            if (job.target() != Target.LOCAL) {
                Optional<OnlineWorker> worker = WorkerMatching.choose(job, workers, busyWorkers);
                if (worker.isPresent()) {
                    return Placement.worker(worker.get().id());
                }
            }
            return Placement.localGpus(GpuPlacement.choose(job, freeGpus()).orElseThrow());
        }

        void start(Job job, Placement placement) {
            running++;
            perUser.merge(job.userId(), 1, Integer::sum);
            if (job.teamId() != null) {
                perTeam.merge(job.teamId(), 1, Integer::sum);
            }
            if (placement.isLocal()) {
                localJobs++;
                heldGpus.addAll(placement.gpus());
            }
            if (placement.onWorker()) {
                busyWorkers.add(placement.workerId());
            }
        }

        SortedSet<Integer> freeGpus() {
            SortedSet<Integer> free = new TreeSet<>(installed);
            free.removeAll(heldGpus);
            return free;
        }

        PassPlan.Tail tail(PassInput input) {
            boolean globalStop = running >= input.settings().maxConcurrent();
            // Nothing behind the prefix can start: the global limit is reached, or local placement is
            // blocked and no other runner (a cloud provider, an idle worker) could take a job.
            boolean otherCouldStart = input.namedRunnerJobsPending()
                    || workers.stream().anyMatch(w -> !w.draining() && !busyWorkers.contains(w.id()));
            boolean saturated = globalStop || (localBlock != null && !otherCouldStart);
            return new PassPlan.Tail(input, running, localJobs, Map.copyOf(perUser), Map.copyOf(perTeam),
                    new TreeSet<>(heldGpus), busyWorkers, localBlock, globalStop, saturated);
        }
    }
}
