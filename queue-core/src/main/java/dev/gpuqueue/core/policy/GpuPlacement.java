package dev.gpuqueue.core.policy;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.PendingReason;
import dev.gpuqueue.core.model.QueueSettings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Local GPU placement. A job with preferred device ids (and not {@code any_gpu}) gets the lowest
 * {@code num_processes} free GPUs among its preferred ones, or waits; with {@code any_gpu} or no
 * preference it gets the lowest free indices. Stateless.
 */
public final class GpuPlacement {
    private GpuPlacement() {}

    /**
     * Why {@code job} could never run on these GPUs under these settings, or empty when it could
     * once enough GPUs are free: more GPUs than exist or than {@code local_gpu_max_concurrent},
     * duplicate device ids, preferred ids that do not exist, fewer preferred ids than processes.
     */
    public static Optional<String> neverFitReason(Job job, Collection<Integer> installed, QueueSettings settings) {
        return neverFitReason(job.spec(), job.anyGpu(), installed, settings);
    }

    /** As {@link #neverFitReason(Job, Collection, QueueSettings)}, for a spec not yet submitted. */
    public static Optional<String> neverFitReason(
            JobSpec spec, boolean anyGpu, Collection<Integer> installed, QueueSettings settings) {
        int needed = spec.numProcesses();
        List<Integer> ids = spec.deviceIds();
        Set<Integer> seen = new HashSet<>();
        Set<Integer> duplicates = new TreeSet<>();
        for (Integer id : ids) {
            if (!seen.add(id)) {
                duplicates.add(id);
            }
        }
        if (!duplicates.isEmpty()) {
            return Optional.of("device_ids " + ids + " list GPU " + join(duplicates) + " more than once");
        }
        if (needed > installed.size()) {
            return Optional.of(installed.isEmpty()
                    ? "needs " + gpus(needed) + " but this machine has no GPUs"
                    : "needs " + gpus(needed) + " but only " + installed.size() + " exist");
        }
        Integer gpuCap = settings.localGpuMaxConcurrent();
        if (gpuCap != null && needed > gpuCap) {
            return Optional.of("needs " + gpus(needed) + " but local_gpu_max_concurrent is " + gpuCap);
        }
        if (!anyGpu && !ids.isEmpty()) {
            Set<Integer> missing = new TreeSet<>(ids);
            missing.removeAll(new HashSet<>(installed));
            if (!missing.isEmpty()) {
                String which = missing.size() == 1 ? "GPU " + join(missing) + " does not" : "GPUs " + join(missing) + " do not";
                return Optional.of("device_ids " + ids + ": " + which + " exist (GPUs: " + new TreeSet<>(installed) + ")");
            }
            if (ids.size() < needed) {
                return Optional.of("needs " + gpus(needed) + " but device_ids lists only " + ids.size() + " " + ids);
            }
        }
        return Optional.empty();
    }

    /** Whether the job asks for specific GPUs. */
    public static boolean pinned(Job job) {
        return !job.anyGpu() && !job.spec().deviceIds().isEmpty();
    }

    /** The GPUs {@code job} would get from {@code free}, ascending, or empty if it must wait. */
    public static Optional<List<Integer>> choose(Job job, SortedSet<Integer> free) {
        int needed = job.numProcesses();
        Collection<Integer> candidates = pinned(job) ? new TreeSet<>(job.spec().deviceIds()) : free;
        List<Integer> chosen = new ArrayList<>(needed);
        for (Integer gpu : candidates) {
            if (chosen.size() == needed) {
                break;
            }
            if (free.contains(gpu)) {
                chosen.add(gpu);
            }
        }
        return chosen.size() == needed ? Optional.of(List.copyOf(chosen)) : Optional.empty();
    }

    /** Why {@code job} cannot be placed on {@code free} now (call when {@link #choose} is empty). */
    public static PendingReason waitReason(Job job, SortedSet<Integer> free) {
        if (pinned(job)) {
            List<Integer> preferred = List.copyOf(new LinkedHashSet<>(job.spec().deviceIds()));
            List<Integer> busy = preferred.stream().filter(id -> !free.contains(id)).sorted().toList();
            return PendingReason.waitingForDevices(preferred, busy);
        }
        return PendingReason.waitingForGpus(job.numProcesses(), free.size());
    }

    private static String gpus(int n) {
        return n + (n == 1 ? " GPU" : " GPUs");
    }

    private static String join(Set<Integer> ids) {
        return ids.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse("");
    }
}
