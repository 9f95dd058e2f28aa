package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.ArrayRequest;
import dev.gpuqueue.core.model.Dependency;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.Target;
import dev.gpuqueue.core.model.Worker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A submit as the caller asked for it. {@code spec}, when given, is used instead of resolving
 * {@code configName} (embedders); {@code provider}, when given, makes a cloud job for that
 * provider's runner; {@code dependsOn} the jobs it waits for; {@code array}, when given, makes one
 * job per combination of its values (a sweep). Immutable.
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
        Map<String, String> metadata,
        List<Dependency> dependsOn,
        ArrayRequest array) {

    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 200;
    /** At most this many dependencies per job. */
    public static final int MAX_DEPENDENCIES = 100;

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
        dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
        if (dependsOn.size() > MAX_DEPENDENCIES) {
            throw new ValidationException("depends_on names " + dependsOn.size() + " jobs; at most " + MAX_DEPENDENCIES);
        }
        if (dependsOn.stream().map(Dependency::jobId).distinct().count() < dependsOn.size()) {
            throw new ValidationException("depends_on names a job more than once; give each job once, with one condition");
        }
        if (array != null && noWait) {
            throw new ValidationException("no_wait applies to one job; an array's jobs wait their turn (leave out one of them)");
        }
        if (array != null && dryRun) {
            throw new ValidationException("dry_run checks one job; leave out array to check the config and where it would run");
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
        private List<Dependency> dependsOn = List.of();
        private ArrayRequest array;

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
        /** The jobs this one waits for (Slurm's {@code --dependency}). */
        public Builder dependsOn(List<Dependency> dependsOn) { this.dependsOn = Objects.requireNonNull(dependsOn); return this; }
        /** Makes the submit a job array (a sweep): one job per combination or copy. */
        public Builder array(ArrayRequest array) { this.array = array; return this; }

        public SubmitRequest build() {
            return new SubmitRequest(configName, spec, noWait, anyGpu, target, workerLabels, requiresApproval,
                    idempotencyKey, dryRun, provider, metadata, dependsOn, array);
        }
    }
}
