package dev.gpuqueue.core.policy;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.OnlineWorker;
import dev.gpuqueue.core.model.PendingReason;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.Target;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
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
 *   <li>array limit: a job of an array whose {@code max_running} jobs run is skipped;
 *   <li>placement: a job that names its runner (a cloud job) goes to that runner; a job with target
 *       {@code worker} goes to an idle matching worker ({@link WorkerMatching}) or waits; {@code auto}
 *       takes an idle matching worker when there is one, else the local GPUs; local placement needs
 *       the local job and GPU limits and free GPUs. A local job that does not fit blocks local
 *       placement for the rest of the pass (head of line), while other kinds behind it still go on.
 * </ol>
 * When that head waits for GPUs and every local running job has a time limit, the head's earliest
 * start is known (the moment enough of them have ended) and its reason says it. With
 * {@code enable_backfill}, a local job behind it with a {@code max_runtime_seconds} that ends by then
 * may start on the free GPUs (backfill): it cannot delay the head. Jobs waiting for their
 * dependencies are not in the pending list at all.
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
                String backfill = placement.isLocal() && state.localBlock != null ? state.backfillNote(job, input) : null;
                starts.add(new PassPlan.Start(job, placement, backfill));
                state.start(job, placement, input.now());
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
        if (job.array() != null && job.array().maxRunning() != null) {
            int arrayRunning = state.perArray.getOrDefault(job.arrayId(), 0);
            if (arrayRunning >= job.array().maxRunning()) {
                return PendingReason.arrayLimit(job.arrayId(), arrayRunning, job.array().maxRunning());
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
        boolean backfill = state.localBlock != null;
        if (backfill && !state.mayBackfill(job, input.now())) {
            return state.localBlock;
        }
        if (state.localJobs >= settings.localJobMaxConcurrent()) {
            return backfill ? state.localBlock
                    : (state.localBlock = PendingReason.localJobLimit(state.localJobs, settings.localJobMaxConcurrent()));
        }
        Integer gpuCap = settings.localGpuMaxConcurrent();
        if (gpuCap != null && state.heldGpus.size() + job.numProcesses() > gpuCap) {
            if (backfill) {
                return state.localBlock;
            }
            state.localBlock = PendingReason.behindGpuJob();
            return PendingReason.localGpuLimit(job.numProcesses(), state.heldGpus.size(), gpuCap);
        }
        SortedSet<Integer> free = state.freeGpus();
        if (GpuPlacement.choose(job, free).isEmpty()) {
            if (backfill) {
                return state.localBlock;
            }
            state.localBlock = PendingReason.behindGpuJob();
            PendingReason reason = GpuPlacement.waitReason(job, free);
            Instant expected = state.earliestStart(job, settings);
            if (expected == null) {
                return reason;
            }
            if (settings.enableBackfill()) {
                state.openBackfill(job, expected);
            }
            return reason.expectedToStartBy(expected);
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
        private final Map<String, Integer> perArray;
        private final SortedSet<Integer> heldGpus;
        /** The local jobs running (or started in this pass) with when they must have ended (null: no limit). */
        private final List<Holding> holdings = new ArrayList<>();
        private int running;
        private int localJobs;
        private PendingReason localBlock;
        /** While backfill is open: the local head waiting for GPUs, and when it is expected to start. */
        private Job backfillHead;
        private Instant backfillUntil;

        private record Holding(Instant end, Set<Integer> gpus) {}

        State(PassInput input) {
            installed = input.gpus();
            workers = input.workers();
            busyWorkers = new HashSet<>();
            perUser = new HashMap<>();
            perTeam = new HashMap<>();
            perArray = new HashMap<>();
            heldGpus = new TreeSet<>();
            for (Job job : input.running()) {
                start(job, job.placement(), job.startedAt());
            }
        }

        /** The final state of a plan, to judge jobs beyond its prefix. */
        State(PassPlan.Tail tail) {
            installed = tail.input().gpus();
            workers = tail.input().workers();
            busyWorkers = new HashSet<>(tail.busyWorkers());
            perUser = new HashMap<>(tail.perUser());
            perTeam = new HashMap<>(tail.perTeam());
            perArray = new HashMap<>(tail.perArray());
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

        /** Counts {@code job} as running with {@code placement} since {@code startedAt}. */
        void start(Job job, Placement placement, Instant startedAt) {
            running++;
            perUser.merge(job.userId(), 1, Integer::sum);
            if (job.teamId() != null) {
                perTeam.merge(job.teamId(), 1, Integer::sum);
            }
            if (job.arrayId() != null) {
                perArray.merge(job.arrayId(), 1, Integer::sum);
            }
            if (placement.isLocal()) {
                localJobs++;
                heldGpus.addAll(placement.gpus());
                Long limit = job.spec().maxRuntimeSeconds();
                holdings.add(new Holding(limit == null || startedAt == null ? null : startedAt.plusSeconds(limit),
                        Set.copyOf(placement.gpus())));
            }
            if (placement.onWorker()) {
                busyWorkers.add(placement.workerId());
            }
        }

        /**
         * When {@code head} could start at the earliest, from the time limits of the local jobs
         * running: the end of the first of them (by end) after which it fits. Null when that is
         * unknown: a local job runs without a limit, or the head never fits by their ends alone.
         */
        Instant earliestStart(Job head, QueueSettings settings) {
            if (holdings.stream().anyMatch(h -> h.end() == null)) {
                return null;
            }
            List<Holding> byEnd = new ArrayList<>(holdings);
            byEnd.sort(Comparator.comparing(Holding::end));
            SortedSet<Integer> free = freeGpus();
            int jobs = localJobs;
            int held = heldGpus.size();
            Integer gpuCap = settings.localGpuMaxConcurrent();
            for (Holding holding : byEnd) {
                free.addAll(holding.gpus());
                jobs--;
                held -= holding.gpus().size();
                if (jobs < settings.localJobMaxConcurrent() && (gpuCap == null || held + head.numProcesses() <= gpuCap)
                        && GpuPlacement.choose(head, free).isPresent()) {
                    return holding.end();
                }
            }
            return null;
        }

        void openBackfill(Job head, Instant expectedStart) {
            backfillHead = head;
            backfillUntil = expectedStart;
        }

        /** Whether {@code job} could start now beside the blocked head: it has a time limit and ends by the head's start. */
        boolean mayBackfill(Job job, Instant now) {
            Long limit = job.spec().maxRuntimeSeconds();
            return backfillUntil != null && limit != null && !now.plusSeconds(limit).isAfter(backfillUntil);
        }

        String backfillNote(Job job, PassInput input) {
            return "backfilled: ends by " + input.now().plusSeconds(job.spec().maxRuntimeSeconds()).truncatedTo(ChronoUnit.SECONDS)
                    + " at the latest, before job " + backfillHead.id() + " is expected to start ("
                    + backfillUntil.truncatedTo(ChronoUnit.SECONDS) + ")";
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
            // While backfill is open and some pending local job is short enough, one behind the prefix
            // might still start on the free GPUs.
            Long shortest = input.shortestLocalTimeLimit();
            boolean backfillOpen = backfillUntil != null && shortest != null
                    && !input.now().plusSeconds(shortest).isAfter(backfillUntil)
                    && !freeGpus().isEmpty() && localJobs < input.settings().localJobMaxConcurrent();
            boolean saturated = globalStop || (localBlock != null && !otherCouldStart && !backfillOpen);
            return new PassPlan.Tail(input, running, localJobs, Map.copyOf(perUser), Map.copyOf(perTeam),
                    Map.copyOf(perArray), new TreeSet<>(heldGpus), busyWorkers, localBlock, globalStop, saturated);
        }
    }
}
