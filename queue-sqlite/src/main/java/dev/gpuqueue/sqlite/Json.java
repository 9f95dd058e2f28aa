package dev.gpuqueue.sqlite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuqueue.core.error.StoreException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.JobSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON columns: GPU lists, string maps, arrays of objects, and the resolved job config. Thread-safe. */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<List<Integer>> INTS = new TypeReference<>() {};
    private static final TypeReference<Map<String, String>> STRINGS = new TypeReference<>() {};
    private static final TypeReference<Map<String, Object>> FIELDS = new TypeReference<>() {};
    private static final TypeReference<List<Map<String, Object>>> OBJECTS = new TypeReference<>() {};

    /** The last spec encoded, with its JSON: an array's jobs share one spec, encoded once. */
    private static volatile Encoded lastSpec = new Encoded(null, null);

    private record Encoded(JobSpec spec, String json) {}

    private Json() {}

    static String write(Object value) {
        if (value instanceof Map<?, ?> map && map.isEmpty()) {
            return "{}";
        }
        if (value instanceof List<?> list && list.isEmpty()) {
            return "[]";
        }
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot encode " + value.getClass().getSimpleName() + " as JSON: " + e.getMessage(), e);
        }
    }

    /** A spec in its one wire shape ({@link JobSpec#toMap()}). */
    static String spec(JobSpec spec) {
        Encoded last = lastSpec;
        if (last.spec() != spec) {
            last = new Encoded(spec, write(spec.toMap()));
            lastSpec = last;
        }
        return last.json();
    }

    /** A stored spec; fields this version does not know (written by a newer one) are left out. */
    static JobSpec spec(String json) {
        Map<String, Object> fields = new LinkedHashMap<>(readType(json, FIELDS));
        fields.keySet().retainAll(JobSpec.fieldNames());
        // A limit beyond today's range could be stored before the range existed: read it as the longest allowed.
        if (fields.get("max_runtime_seconds") instanceof Number limit && limit.longValue() > JobSpec.MAX_RUNTIME_SECONDS) {
            fields.put("max_runtime_seconds", JobSpec.MAX_RUNTIME_SECONDS);
        }
        try {
            return JobSpec.fromMap(fields);
        } catch (ValidationException e) {
            throw new StoreException("a stored job config is damaged (" + e.getMessage() + ")", e);
        }
    }

    static List<Integer> ints(String json) {
        return json == null ? List.of() : readType(json, INTS);
    }

    static Map<String, String> strings(String json) {
        return json == null ? Map.of() : readType(json, STRINGS);
    }

    /** A JSON array of objects, each as a map of its fields (numbers as Integer, Long or Double). */
    static List<Map<String, Object>> objects(String json) {
        return json == null ? List.of() : readType(json, OBJECTS);
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
