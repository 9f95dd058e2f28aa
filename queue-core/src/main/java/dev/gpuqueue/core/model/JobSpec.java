package dev.gpuqueue.core.model;

import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.error.ValidationException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A job config as resolved at submit time and stored with the job, so later edits to the config
 * file do not change a queued job. Immutable.
 *
 * <p>{@code deviceIds} are the preferred GPU indices, kept as written (duplicates included, so the
 * policy can report them as "can never fit"). {@code command} may be empty only for jobs whose
 * runner does not run a command (cloud jobs, embedders' own runners), or whose image brings its own
 * (a Kubernetes job). {@code runner}, when set, names the runner that must run the job (a cluster
 * such as {@code kubernetes}); {@code kubernetes} is that runner's own section, kept as the JSON
 * object it was written as (the Kubernetes runner checks it at submit). Immutable.
 */
public record JobSpec(
        List<String> command,
        int numProcesses,
        List<Integer> deviceIds,
        Map<String, String> env,
        String workingDir,
        double estimatedCost,
        int maxAttempts,
        Long maxRuntimeSeconds,
        String runName,
        String runner,
        Map<String, Object> kubernetes) {

    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final int MAX_PROCESSES = 1024;
    public static final int MAX_ATTEMPTS_LIMIT = 100;
    public static final long MAX_RUNTIME_SECONDS = 366L * 24 * 3600;

    public JobSpec {
        command = List.copyOf(command);
        deviceIds = List.copyOf(deviceIds);
        env = Map.copyOf(env);
        if (numProcesses < 1 || numProcesses > MAX_PROCESSES) {
            throw new LimitOutOfRangeException("num_processes", numProcesses, "between 1 and " + MAX_PROCESSES);
        }
        for (Integer id : deviceIds) {
            if (id < 0) {
                throw new ValidationException("device_ids must be GPU indices >= 0, got " + deviceIds);
            }
        }
        for (Map.Entry<String, String> variable : env.entrySet()) {
            String key = variable.getKey();
            if (key.isEmpty() || key.contains("=") || key.indexOf('\0') >= 0) {
                throw new ValidationException("env names must be non-empty and contain no '=' or NUL: '" + key + "'");
            }
            if (variable.getValue().indexOf('\0') >= 0) {
                throw new ValidationException("env value of " + key + " contains a NUL character");
            }
        }
        for (String argument : command) {
            if (argument.indexOf('\0') >= 0) {
                throw new ValidationException("command arguments must not contain a NUL character");
            }
        }
        if (workingDir != null && workingDir.isBlank()) {
            workingDir = null;
        }
        if (!(estimatedCost >= 0) || Double.isInfinite(estimatedCost)) {
            throw new LimitOutOfRangeException("estimated_cost", estimatedCost, "a finite number >= 0");
        }
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
            throw new LimitOutOfRangeException("max_attempts", maxAttempts, "between 1 and " + MAX_ATTEMPTS_LIMIT);
        }
        if (maxRuntimeSeconds != null && (maxRuntimeSeconds < 1 || maxRuntimeSeconds > MAX_RUNTIME_SECONDS)) {
            throw new LimitOutOfRangeException("max_runtime_seconds", maxRuntimeSeconds,
                    "between 1 and " + MAX_RUNTIME_SECONDS + " (366 days), or absent for no limit");
        }
        if (runName != null && runName.isBlank()) {
            runName = null;
        }
        if (runner != null && !RUNNER_NAME.matcher(runner).matches()) {
            throw new ValidationException("runner must be a runner's name (lowercase letters, digits and '-', e.g."
                    + " kubernetes), or absent for this machine's GPUs and workers");
        }
        kubernetes = kubernetes == null ? null : JsonValues.immutableObject(kubernetes);
        if (kubernetes != null && !KUBERNETES.equals(runner)) {
            throw new ValidationException("a kubernetes section needs \"runner\": \"kubernetes\"");
        }
    }

    /** The runner name that reads the {@code kubernetes} section. */
    public static final String KUBERNETES = "kubernetes";
    private static final Pattern RUNNER_NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");

    /** A one-GPU spec running {@code command}, with every other field at its default. */
    public static JobSpec of(String... command) {
        return builder().command(List.of(command)).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * This spec in its one wire shape (snake_case names, JSON types, in documentation order): what
     * config files hold, what is stored with a job and what the API shows as {@code config}.
     */
    public Map<String, Object> toMap() {
        return JobSpecWire.toMap(this);
    }

    /**
     * A spec from its wire shape as a JSON parser produced it; a missing or null field takes its
     * default.
     *
     * @throws ValidationException naming an unknown field, or a field of the wrong type or range
     */
    public static JobSpec fromMap(Map<String, ?> fields) {
        return JobSpecWire.fromMap(fields);
    }

    /** The wire shape's field names, in documentation order. */
    public static List<String> fieldNames() {
        return JobSpecWire.FIELDS;
    }

    public Builder toBuilder() {
        return new Builder()
                .command(command)
                .numProcesses(numProcesses)
                .deviceIds(deviceIds)
                .env(env)
                .workingDir(workingDir)
                .estimatedCost(estimatedCost)
                .maxAttempts(maxAttempts)
                .maxRuntimeSeconds(maxRuntimeSeconds)
                .runName(runName)
                .runner(runner)
                .kubernetes(kubernetes);
    }

    /** Builds a {@link JobSpec}; defaults: 1 process, no preferred ids, cost 0, 3 attempts. Not thread-safe. */
    public static final class Builder {
        private List<String> command = new ArrayList<>();
        private int numProcesses = 1;
        private List<Integer> deviceIds = new ArrayList<>();
        private Map<String, String> env = new LinkedHashMap<>();
        private String workingDir;
        private double estimatedCost;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Long maxRuntimeSeconds;
        private String runName;
        private String runner;
        private Map<String, Object> kubernetes;

        private Builder() {}

        public Builder command(List<String> command) {
            this.command = Objects.requireNonNull(command, "command");
            return this;
        }

        public Builder numProcesses(int numProcesses) {
            this.numProcesses = numProcesses;
            return this;
        }

        public Builder deviceIds(List<Integer> deviceIds) {
            this.deviceIds = Objects.requireNonNull(deviceIds, "deviceIds");
            return this;
        }

        public Builder env(Map<String, String> env) {
            this.env = Objects.requireNonNull(env, "env");
            return this;
        }

        public Builder workingDir(String workingDir) {
            this.workingDir = workingDir;
            return this;
        }

        public Builder estimatedCost(double estimatedCost) {
            this.estimatedCost = estimatedCost;
            return this;
        }

        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        public Builder maxRuntimeSeconds(Long maxRuntimeSeconds) {
            this.maxRuntimeSeconds = maxRuntimeSeconds;
            return this;
        }

        public Builder runName(String runName) {
            this.runName = runName;
            return this;
        }

        /** The runner that must run the job (e.g. {@code kubernetes}); null: this machine's GPUs or a worker. */
        public Builder runner(String runner) {
            this.runner = runner;
            return this;
        }

        /** The Kubernetes runner's section ({@code image}, {@code namespace}, ...), as a JSON object. */
        public Builder kubernetes(Map<String, Object> kubernetes) {
            this.kubernetes = kubernetes;
            return this;
        }

        public JobSpec build() {
            return new JobSpec(command, numProcesses, deviceIds, env, workingDir, estimatedCost, maxAttempts,
                    maxRuntimeSeconds, runName, runner, kubernetes);
        }
    }
}
