package dev.gpuqueue.core.model;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A worker the scheduler may plan with: heard from within the timeout, with the labels jobs are
 * matched against, its GPU indices, and whether it is draining (it then takes no new job). Whether
 * it is busy follows from the running jobs placed on it. Immutable.
 */
public record OnlineWorker(String id, Map<String, String> labels, SortedSet<Integer> gpus, boolean draining) {
    public OnlineWorker {
        Objects.requireNonNull(id, "id");
        labels = Map.copyOf(labels);
        gpus = Collections.unmodifiableSortedSet(new TreeSet<>(gpus));
    }

    /** A worker with GPUs {@code 0..gpuCount-1}. */
    public OnlineWorker(String id, Map<String, String> labels, int gpuCount, boolean draining) {
        this(id, labels, IntStream.range(0, gpuCount).boxed().collect(Collectors.toCollection(TreeSet::new)), draining);
    }

    public int gpuCount() {
        return gpus.size();
    }
}
