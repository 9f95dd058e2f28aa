package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.Target;
import dev.gpuqueue.core.model.Worker;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A submit as the caller asked for it. {@code spec}, when given, is used instead of resolving
 * {@code configName} (embedders); {@code provider}, when given, makes a cloud job for that
 * provider's runner. Immutable.
 */
public record SubmitRequest(
        String configName,
        JobSpec spec,
        boolean noWait,
        boolean anyGpu,
        Target target,
        Map<String, String> workerLabels,
        boolean requiresApproval,
        String idempotencyKey,
        boolean dryRun,
        String provider,
        Map<String, String> metadata) {

    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 200;

    public SubmitRequest {
        target = target == null ? Target.AUTO : target;
        try {
            workerLabels = Map.copyOf(Worker.checkLabels(workerLabels));
        } catch (ValidationException e) {
            throw new ValidationException("worker_labels: " + e.getMessage());
        }
        if (metadata != null && metadata.entrySet().stream().anyMatch(e -> e.getKey() == null || e.getValue() == null)) {
            throw new ValidationException("metadata values must be text, not null");
        }
        metadata = Map.copyOf(metadata == null ? Map.of() : metadata);
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH)) {
            throw new ValidationException("idempotency_key must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters");
        }
        if (provider != null && provider.isBlank()) {
            provider = null;
        }
    }

    public static Builder builder(String configName) {
        return new Builder(configName);
    }

    /** Builds a {@link SubmitRequest}; everything but the config name is optional. Not thread-safe. */
    public static final class Builder {
        private final String configName;
        private JobSpec spec;
        private boolean noWait;
        private boolean anyGpu;
        private Target target = Target.AUTO;
        private Map<String, String> workerLabels = new LinkedHashMap<>();
        private boolean requiresApproval;
        private String idempotencyKey;
        private boolean dryRun;
        private String provider;
        private Map<String, String> metadata = new LinkedHashMap<>();

        private Builder(String configName) {
            this.configName = configName;
        }

        public Builder spec(JobSpec spec) { this.spec = spec; return this; }
        public Builder noWait(boolean noWait) { this.noWait = noWait; return this; }
        public Builder anyGpu(boolean anyGpu) { this.anyGpu = anyGpu; return this; }
        public Builder target(Target target) { this.target = target; return this; }
        public Builder workerLabels(Map<String, String> labels) { this.workerLabels = Objects.requireNonNull(labels); return this; }
        public Builder requiresApproval(boolean requiresApproval) { this.requiresApproval = requiresApproval; return this; }
        public Builder idempotencyKey(String key) { this.idempotencyKey = key; return this; }
        public Builder dryRun(boolean dryRun) { this.dryRun = dryRun; return this; }
        public Builder provider(String provider) { this.provider = provider; return this; }
        public Builder metadata(Map<String, String> metadata) { this.metadata = Objects.requireNonNull(metadata); return this; }

        public SubmitRequest build() {
            return new SubmitRequest(configName, spec, noWait, anyGpu, target, workerLabels, requiresApproval,
                    idempotencyKey, dryRun, provider, metadata);
        }
    }
}
