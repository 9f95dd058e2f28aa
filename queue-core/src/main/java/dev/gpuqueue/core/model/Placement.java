package dev.gpuqueue.core.model;

import java.util.List;

/**
 * Where a running job runs, and what it holds there: the runner that runs it ({@value #LOCAL} for
 * this machine's GPUs, {@value #WORKER} for a remote worker, a cloud provider's or cluster's name),
 * the local GPU indices it holds, and the worker it was assigned to. Distinct from a job's preferred
 * device ids. The one answer to "where does this job run": everything that starts, stops, watches
 * or counts a running job asks it. Immutable.
 */
public record Placement(String runner, List<Integer> gpus, String workerId) {
    /** The runner of this machine's GPUs. */
    public static final String LOCAL = "local";
    /** The runner of remote workers. */
    public static final String WORKER = "worker";
    /** Not running anywhere. */
    public static final Placement NONE = new Placement(null, List.of(), null);

    public Placement {
        gpus = List.copyOf(gpus);
        for (int i = 0; i < gpus.size(); i++) {
            if (gpus.get(i) < 0) {
                throw new IllegalArgumentException("GPU indices must be >= 0: " + gpus);
            }
            if (i > 0 && gpus.get(i) <= gpus.get(i - 1)) {
                throw new IllegalArgumentException("GPU indices must be ascending and distinct: " + gpus);
            }
        }
        if (runner != null && runner.isBlank()) {
            throw new IllegalArgumentException("a runner name must not be blank");
        }
        if (runner == null && (!gpus.isEmpty() || workerId != null)) {
            throw new IllegalArgumentException("GPUs or a worker are held on a runner");
        }
        if (!gpus.isEmpty() && !LOCAL.equals(runner)) {
            throw new IllegalArgumentException("only the local runner holds local GPUs, not " + runner);
        }
        if (workerId != null && (workerId.isBlank() || !WORKER.equals(runner))) {
            throw new IllegalArgumentException("a worker id belongs to the worker runner");
        }
    }

    /** On this machine's GPUs. */
    public static Placement localGpus(List<Integer> gpus) {
        return new Placement(LOCAL, gpus, null);
    }

    /** On remote worker {@code workerId}. */
    public static Placement worker(String workerId) {
        return new Placement(WORKER, List.of(), workerId);
    }

    /** On the runner named {@code runner} (a cloud provider, a cluster), holding nothing here. */
    public static Placement on(String runner) {
        return new Placement(runner, List.of(), null);
    }

    public boolean isEmpty() {
        return runner == null;
    }

    /** Whether the job runs on this machine's GPUs (and counts toward the local limits). */
    public boolean isLocal() {
        return LOCAL.equals(runner);
    }

    public boolean onWorker() {
        return workerId != null;
    }
}
