package dev.gpuqueue.core.policy;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.OnlineWorker;
import dev.gpuqueue.core.model.PendingReason;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which workers may run a job: every one of the job's {@code worker_labels} matches the worker's
 * label of that name as a glob ({@code *} any run of characters, {@code ?} one character, nothing
 * else special, the whole value), and the worker's GPUs hold the job (at least {@code num_processes},
 * its {@code device_ids} among them unless {@code any_gpu}). Among the
 * idle matching workers the smallest that fits is chosen (ties by id), so big workers stay free for
 * big jobs. Stateless.
 */
public final class WorkerMatching {
    private WorkerMatching() {}

    /**
     * Whether {@code value} matches {@code glob} as a whole. Greedy, going back only to the last
     * {@code *}: at most glob length × value length steps, whatever the pattern.
     */
    public static boolean globMatches(String glob, String value) {
        int g = 0;
        int v = 0;
        int star = -1;
        int resume = 0;
        while (v < value.length()) {
            char c = g < glob.length() ? glob.charAt(g) : 0;
            if (g < glob.length() && c != '*' && (c == '?' || c == value.charAt(v))) {
                g++;
                v++;
            } else if (g < glob.length() && c == '*') {
                star = g++;
                resume = v;
            } else if (star >= 0) {
                g = star + 1;
                v = ++resume;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }

    /** Whether {@code labels} satisfy every requirement in {@code required}. */
    public static boolean labelsMatch(Map<String, String> required, Map<String, String> labels) {
        for (Map.Entry<String, String> want : required.entrySet()) {
            String have = labels.get(want.getKey());
            if (have == null || !globMatches(want.getValue(), have)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code worker} could ever run {@code job}, busy or not: its labels match, and its GPUs
     * hold the job as they would on this machine (enough of them; the job's {@code device_ids}, unless
     * {@code any_gpu}, among them).
     */
    public static boolean canRun(Job job, OnlineWorker worker) {
        return labelsMatch(job.workerLabels(), worker.labels()) && GpuPlacement.choose(job, worker.gpus()).isPresent();
    }

    /** The worker to give {@code job}: the smallest idle (not busy, not draining) one that can run it. */
    public static Optional<OnlineWorker> choose(Job job, Collection<OnlineWorker> workers, Set<String> busy) {
        return workers.stream()
                .filter(w -> !w.draining() && !busy.contains(w.id()) && canRun(job, w))
                .min(Comparator.comparingInt(OnlineWorker::gpuCount).thenComparing(OnlineWorker::id));
    }

    /** Why {@code job} waits for a worker when {@link #choose} found none. */
    public static PendingReason waitReason(Job job, Collection<OnlineWorker> workers, Set<String> busy) {
        if (workers.isEmpty()) {
            return PendingReason.noWorker("no worker is online");
        }
        long matching = workers.stream().filter(w -> canRun(job, w)).count();
        if (matching == 0) {
            return PendingReason.noWorker(job.workerLabels().isEmpty()
                    ? "no online worker has " + requirement(job) : "no worker matches " + requirement(job));
        }
        long draining = workers.stream().filter(w -> canRun(job, w) && w.draining() && !busy.contains(w.id())).count();
        return PendingReason.workersBusy(matching + (matching == 1 ? " matching worker " : " matching workers ")
                + (draining == 0 ? "busy" : "busy or draining"));
    }

    /** A job's worker requirements in words: {@code gpu_type=a100*, 4 GPUs}. */
    public static String requirement(Job job) {
        String labels = job.workerLabels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
        String gpus = GpuPlacement.pinned(job) ? "GPUs " + job.spec().deviceIds()
                : job.numProcesses() + (job.numProcesses() == 1 ? " GPU" : " GPUs");
        if (labels.isEmpty()) {
            return gpus;
        }
        return job.numProcesses() == 1 && !GpuPlacement.pinned(job) ? labels : labels + ", " + gpus;
    }
}
