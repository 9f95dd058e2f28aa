package dev.gpuqueue.sqlite;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuqueue.core.error.StoreException;
import dev.gpuqueue.core.model.JobSpec;
import java.util.List;
import java.util.Map;

/** The JSON columns: GPU lists, string maps, and the resolved job config. Thread-safe. */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final TypeReference<List<Integer>> INTS = new TypeReference<>() {};
    private static final TypeReference<Map<String, String>> STRINGS = new TypeReference<>() {};

    private Json() {}

    /** The stored shape of a {@link JobSpec}; field names are part of the schema, not of the model. */
    record StoredSpec(
            @JsonProperty("command") List<String> command,
            @JsonProperty("num_processes") int numProcesses,
            @JsonProperty("device_ids") List<Integer> deviceIds,
            @JsonProperty("env") Map<String, String> env,
            @JsonProperty("working_dir") String workingDir,
            @JsonProperty("estimated_cost") double estimatedCost,
            @JsonProperty("max_attempts") int maxAttempts,
            @JsonProperty("max_runtime_seconds") Long maxRuntimeSeconds,
            @JsonProperty("run_name") String runName) {

        static StoredSpec of(JobSpec spec) {
            return new StoredSpec(spec.command(), spec.numProcesses(), spec.deviceIds(), spec.env(), spec.workingDir(),
                    spec.estimatedCost(), spec.maxAttempts(), spec.maxRuntimeSeconds(), spec.runName());
        }

        JobSpec toSpec() {
            // A limit beyond today's range could be stored before the range existed: read it as the longest allowed.
            Long runtime = maxRuntimeSeconds == null ? null : Math.min(maxRuntimeSeconds, JobSpec.MAX_RUNTIME_SECONDS);
            return new JobSpec(command == null ? List.of() : command, numProcesses, deviceIds == null ? List.of() : deviceIds,
                    env == null ? Map.of() : env, workingDir, estimatedCost, maxAttempts, runtime, runName);
        }
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot encode " + value.getClass().getSimpleName() + " as JSON: " + e.getMessage(), e);
        }
    }

    static String spec(JobSpec spec) {
        return write(StoredSpec.of(spec));
    }

    static JobSpec spec(String json) {
        return read(json, StoredSpec.class).toSpec();
    }

    static List<Integer> ints(String json) {
        return json == null ? List.of() : readType(json, INTS);
    }

    static Map<String, String> strings(String json) {
        return json == null ? Map.of() : readType(json, STRINGS);
    }

    /** A JSON literal (number, boolean or null) as Integer, Double, Boolean or null. */
    static Object literal(String json) {
        return read(json, Object.class);
    }

    private static <T> T read(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new StoreException("a stored JSON value is damaged (" + e.getOriginalMessage() + ")", e);
        }
    }

    private static <T> T readType(String json, TypeReference<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new StoreException("a stored JSON value is damaged (" + e.getOriginalMessage() + ")", e);
        }
    }
}
