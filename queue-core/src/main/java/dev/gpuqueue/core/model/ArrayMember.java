package dev.gpuqueue.core.model;

import dev.gpuqueue.core.error.LimitOutOfRangeException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A job's place in a job array (a sweep): the array's id (the id of its first job), the job's
 * 0-based index, the array's {@code max_running} (null: no cap of its own) and the job's
 * parameters (name → value as text, in the grid's order; empty for copies made by {@code count}).
 * Immutable.
 */
public record ArrayMember(String arrayId, int index, Integer maxRunning, Map<String, String> parameters) {

    public ArrayMember {
        Objects.requireNonNull(arrayId, "arrayId");
        JobId.of(arrayId);
        if (index < 0 || index >= ArrayRequest.MAX_JOBS) {
            throw new LimitOutOfRangeException("array_index", index, "between 0 and " + (ArrayRequest.MAX_JOBS - 1));
        }
        ArrayRequest.checkMaxRunning(maxRunning);
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters == null ? Map.of() : parameters));
    }

    /** The variables its job runs with: {@code GPUQUEUE_ARRAY_ID}, {@code GPUQUEUE_ARRAY_INDEX}, {@code GPUQUEUE_PARAM_<NAME>}. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(ArrayRequest.ID_VARIABLE, arrayId);
        env.put(ArrayRequest.INDEX_VARIABLE, Integer.toString(index));
        parameters.forEach((name, value) -> env.put(ArrayRequest.envName(name), value));
        return env;
    }
}
