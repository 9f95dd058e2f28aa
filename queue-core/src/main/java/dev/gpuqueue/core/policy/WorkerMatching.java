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
 * else special, the whole value), and the worker has at least {@code num_processes} GPUs. Among the
 * idle matching workers the smallest that fits is chosen (ties by id), so big workers stay free for
 * big jobs. Stateless.
 */
public final class WorkerMatching {
    private WorkerMatching() {}

    /** Whether {@code value} matches {@code glob} as a whole. */
    public static boolean globMatches(String glob, String value) {
        return matches(glob, 0, value, 0);
    }

    private static boolean matches(String glob, int g, String value, int v) {
        while (g < glob.length()) {
            char c = glob.charAt(g);
            if (c == '*') {
                while (g < glob.length() && glob.charAt(g) == '*') {
                    g++;
                }
                if (g == glob.length()) {
                    return true;
                }
                for (int from = v; from <= value.length(); from++) {
                    if (matches(glob, g, value, from)) {
                        return true;
                    }
                }
                return false;
            }
            if (v == value.length() || (c != '?' && c != value.charAt(v))) {
                return false;
            }
            g++;
            v++;
        }
        return v == value.length();
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

    /** Whether {@code worker} could ever run {@code job} (labels and GPU count), busy or not. */
    public static boolean canRun(Job job, OnlineWorker worker) {
        return worker.gpuCount() >= job.numProcesses() && labelsMatch(job.workerLabels(), worker.labels());
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
        String gpus = job.numProcesses() + (job.numProcesses() == 1 ? " GPU" : " GPUs");
        if (labels.isEmpty()) {
            return gpus;
        }
        return job.numProcesses() == 1 ? labels : labels + ", " + gpus;
    }
}
