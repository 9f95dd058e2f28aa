package dev.gpuqueue.core.policy;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobType;
import dev.gpuqueue.core.model.PendingReason;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.Target;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Plans one scheduling pass. Walks pending jobs in {@link DispatchOrder} and, for each:
 * <ol>
 *   <li>a job that can never fit is skipped with that reason (it does not hold up the queue);
 *   <li>global limit: when running jobs reach {@code max_concurrent}, the pass stops;
 *   <li>user limit: a user at {@code user_max_concurrent} is skipped, the pass goes on;
 *   <li>team limit (fair share on, job has a team): a team at {@code team_max_concurrent} is skipped;
 *   <li>placement: cloud jobs go to their provider's dispatcher; local jobs need the local job and
 *       GPU limits and free GPUs. A local job that does not fit blocks local placement for the rest
 *       of the pass (head of line), while other kinds behind it still go on.
 * </ol>
 * Every limit counts running jobs of every kind, including those started earlier in the same pass.
 * Stateless; each call works on its own tallies.
 */
public final class DispatchPlanner {
    private DispatchPlanner() {}

    public static PassPlan plan(PassInput input) {
        QueueSettings settings = input.settings();
        Tally tally = new Tally(input);
        List<PassPlan.Start> starts = new ArrayList<>();
        List<QueueEntry> entries = new ArrayList<>();
        PendingReason localBlock = null;
        PendingReason globalStop = null;

        for (QueueEntry ranked : DispatchOrder.rank(input.pending(), settings, input.now())) {
            Job job = ranked.job();
            PendingReason reason;
            Optional<String> neverFit = job.wantsLocalGpus()
                    ? GpuPlacement.neverFitReason(job, input.gpus(), settings)
                    : Optional.empty();
            if (neverFit.isPresent()) {
                reason = PendingReason.canNeverFit(neverFit.get());
            } else if (tally.running >= settings.maxConcurrent()) {
                reason = PendingReason.globalLimit(tally.running, settings.maxConcurrent());
                globalStop = reason;
            } else if (tally.userRunning(job) >= settings.userMaxConcurrent()) {
                reason = PendingReason.userLimit(tally.userRunning(job), settings.userMaxConcurrent());
            } else if (teamLimited(job, tally, settings)) {
                reason = PendingReason.teamLimit(job.teamId(), tally.teamRunning(job), settings.teamMaxConcurrent());
            } else if (job.type() == JobType.CLOUD) {
                reason = input.cloudProviders().contains(job.provider()) ? null : PendingReason.noDispatcher(job.provider());
                if (reason == null) {
                    starts.add(new PassPlan.Start(job, Placement.NONE));
                    tally.start(job, Placement.NONE);
                }
            } else if (job.target() == Target.WORKER) {
                reason = PendingReason.noWorker();
            } else if (localBlock != null) {
                reason = localBlock;
            } else if (tally.localJobs >= settings.localJobMaxConcurrent()) {
                reason = PendingReason.localJobLimit(tally.localJobs, settings.localJobMaxConcurrent());
                localBlock = reason;
            } else if (overLocalGpuCap(job, tally, settings)) {
                reason = PendingReason.localGpuLimit(
                        job.numProcesses(), tally.heldGpus.size(), settings.localGpuMaxConcurrent());
                localBlock = PendingReason.behindGpuJob();
            } else {
                SortedSet<Integer> free = tally.freeGpus();
                Optional<List<Integer>> gpus = GpuPlacement.choose(job, free);
                if (gpus.isPresent()) {
                    Placement placement = Placement.localGpus(gpus.get());
                    starts.add(new PassPlan.Start(job, placement));
                    tally.start(job, placement);
                    reason = null;
                } else {
                    reason = GpuPlacement.waitReason(job, free);
                    localBlock = PendingReason.behindGpuJob();
                }
            }
            entries.add(new QueueEntry(job, ranked.effectivePriority(), ranked.position(), reason));
        }
        if (globalStop == null && tally.running >= settings.maxConcurrent()) {
            globalStop = PendingReason.globalLimit(tally.running, settings.maxConcurrent());
        }
        return new PassPlan(starts, entries, globalStop);
    }

    /**
     * The reason a job beyond the planned prefix waits, when the plan reached the global limit:
     * "can never fit" if so, else the global limit. Null when the plan did not reach the limit (the
     * job's fate then depends on jobs the plan did not see).
     */
    public static PendingReason reasonBeyond(Job job, PassInput input, PassPlan plan) {
        if (plan.globalStop() == null) {
            return null;
        }
        Optional<String> neverFit = job.wantsLocalGpus()
                ? GpuPlacement.neverFitReason(job, input.gpus(), input.settings())
                : Optional.empty();
        return neverFit.map(PendingReason::canNeverFit).orElse(plan.globalStop());
    }

    private static boolean teamLimited(Job job, Tally tally, QueueSettings settings) {
        return settings.enableFairShare()
                && job.teamId() != null
                && tally.teamRunning(job) >= settings.teamMaxConcurrent();
    }

    private static boolean overLocalGpuCap(Job job, Tally tally, QueueSettings settings) {
        Integer cap = settings.localGpuMaxConcurrent();
        return cap != null && tally.heldGpus.size() + job.numProcesses() > cap;
    }

    /** Running counts as the pass goes; starts made during the pass count at once. */
    private static final class Tally {
        private final SortedSet<Integer> installed;
        private final Map<Long, Integer> perUser = new HashMap<>();
        private final Map<String, Integer> perTeam = new HashMap<>();
        private final SortedSet<Integer> heldGpus = new TreeSet<>();
        private int running;
        private int localJobs;

        Tally(PassInput input) {
            this.installed = input.gpus();
            for (Job job : input.running()) {
                start(job, job.placement());
            }
        }

        void start(Job job, Placement placement) {
            running++;
            perUser.merge(job.userId(), 1, Integer::sum);
            if (job.teamId() != null) {
                perTeam.merge(job.teamId(), 1, Integer::sum);
            }
            if (job.type() == JobType.LOCAL && !placement.onWorker()) {
                localJobs++;
                heldGpus.addAll(placement.gpus());
            }
        }

        int userRunning(Job job) {
            return perUser.getOrDefault(job.userId(), 0);
        }

        int teamRunning(Job job) {
            return perTeam.getOrDefault(job.teamId(), 0);
        }

        SortedSet<Integer> freeGpus() {
            SortedSet<Integer> free = new TreeSet<>(installed);
            free.removeAll(heldGpus);
            return free;
        }
    }
}
