package dev.gpuqueue.core.model;

import java.util.List;

/**
 * What a running job holds now: local GPU indices and/or the remote worker it was assigned to.
 * Distinct from a job's preferred device ids. Immutable.
 */
public record Placement(List<Integer> gpus, String workerId) {
    public static final Placement NONE = new Placement(List.of(), null);

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
        if (workerId != null && workerId.isBlank()) {
            throw new IllegalArgumentException("workerId must not be blank");
        }
    }

    public static Placement localGpus(List<Integer> gpus) {
        return new Placement(gpus, null);
    }

    public static Placement worker(String workerId) {
        return new Placement(List.of(), workerId);
    }

    public boolean isEmpty() {
        return gpus.isEmpty() && workerId == null;
    }

    public boolean onWorker() {
        return workerId != null;
    }
}
