package dev.gpuqueue.core.model;

import dev.gpuqueue.core.error.ValidationException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deep, unmodifiable copies of JSON values as a parser produced them (objects, arrays, strings,
 * numbers, booleans, null), for sections of a config that the core keeps without reading. Stateless.
 */
final class JsonValues {
    private static final int MAX_DEPTH = 16;

    private JsonValues() {}

    /** An unmodifiable copy of a JSON object, keeping its key order. */
    static Map<String, Object> immutableObject(Map<String, ?> object) {
        return object(object, 0);
    }

    private static Map<String, Object> object(Map<?, ?> object, int depth) {
        Map<String, Object> copy = new LinkedHashMap<>();
        object.forEach((key, value) -> copy.put(String.valueOf(key), value(value, depth + 1)));
        return Collections.unmodifiableMap(copy);
    }

    private static Object value(Object value, int depth) {
        if (depth > MAX_DEPTH) {
            throw new ValidationException("a config section is nested deeper than " + MAX_DEPTH + " levels");
        }
        if (value instanceof Map<?, ?> map) {
            return object(map, depth);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            list.forEach(item -> copy.add(value(item, depth + 1)));
            return Collections.unmodifiableList(copy);
        }
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        throw new ValidationException("a config section holds a value that is not JSON: " + value.getClass().getSimpleName());
    }
}
