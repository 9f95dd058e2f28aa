package dev.gpuqueue.core.model;

import java.util.Map;
import java.util.Objects;

/**
 * A worker the scheduler may plan with: heard from within the timeout, with the labels jobs are
 * matched against, its GPU count, and whether it is draining (it then takes no new job). Whether it
 * is busy follows from the running jobs placed on it. Immutable.
 */
public record OnlineWorker(String id, Map<String, String> labels, int gpuCount, boolean draining) {
    public OnlineWorker {
        Objects.requireNonNull(id, "id");
        labels = Map.copyOf(labels);
        if (gpuCount < 0) {
            throw new IllegalArgumentException("gpuCount must be >= 0");
        }
    }
}
