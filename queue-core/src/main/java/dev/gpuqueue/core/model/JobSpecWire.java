package dev.gpuqueue.core.model;

import dev.gpuqueue.core.error.ValidationException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one wire shape of a {@link JobSpec}: the field names and JSON types that config files, the
 * stored column and the API's {@code config} object all use. Reading takes what a JSON parser
 * produced (lists, maps, numbers, strings); a missing or null field takes its default, an unknown
 * field or a value of the wrong type or range is refused naming the field and what it allows,
 * never quoting the value (a config file's content stays out of messages). Stateless.
 */
final class JobSpecWire {
    static final List<String> FIELDS = List.of("command", "num_processes", "device_ids", "env", "working_dir",
            "estimated_cost", "max_attempts", "max_runtime_seconds", "run_name", "runner", "kubernetes");

    private static final String COST = "a finite number >= 0";

    private JobSpecWire() {}

    static Map<String, Object> toMap(JobSpec spec) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("command", spec.command());
        fields.put("num_processes", spec.numProcesses());
        fields.put("device_ids", spec.deviceIds());
        fields.put("env", spec.env());
        fields.put("working_dir", spec.workingDir());
        fields.put("estimated_cost", spec.estimatedCost());
        fields.put("max_attempts", spec.maxAttempts());
        fields.put("max_runtime_seconds", spec.maxRuntimeSeconds());
        fields.put("run_name", spec.runName());
        if (spec.runner() != null) {
            fields.put("runner", spec.runner());
        }
        if (spec.kubernetes() != null) {
            fields.put("kubernetes", spec.kubernetes());
        }
        return fields;
    }

    static JobSpec fromMap(Map<String, ?> fields) {
        List<String> unknown = fields.keySet().stream().filter(name -> !FIELDS.contains(name)).toList();
        if (!unknown.isEmpty()) {
            throw new ValidationException("unknown field" + (unknown.size() > 1 ? "s " : " ") + unknown + "; allowed: "
                    + String.join(", ", FIELDS));
        }
        JobSpec.Builder spec = JobSpec.builder();
        Object value;
        if ((value = fields.get("command")) != null) {
            spec.command(strings("command", value));
        }
        if ((value = fields.get("num_processes")) != null) {
            spec.numProcesses((int) whole("num_processes", value, 1, JobSpec.MAX_PROCESSES));
        }
        if ((value = fields.get("device_ids")) != null) {
            List<Integer> ids = new ArrayList<>();
            for (Object id : list("device_ids", value)) {
                ids.add((int) whole("device_ids", id, 0, Integer.MAX_VALUE));
            }
            spec.deviceIds(ids);
        }
        if ((value = fields.get("env")) != null) {
            spec.env(env(value));
        }
        spec.workingDir(string("working_dir", fields.get("working_dir")));
        if ((value = fields.get("estimated_cost")) != null) {
            spec.estimatedCost(cost(value));
        }
        if ((value = fields.get("max_attempts")) != null) {
            spec.maxAttempts((int) whole("max_attempts", value, 1, JobSpec.MAX_ATTEMPTS_LIMIT));
        }
        if ((value = fields.get("max_runtime_seconds")) != null) {
            spec.maxRuntimeSeconds(whole("max_runtime_seconds", value, 1, JobSpec.MAX_RUNTIME_SECONDS));
        }
        spec.runName(string("run_name", fields.get("run_name")));
        spec.runner(string("runner", fields.get("runner")));
        if ((value = fields.get("kubernetes")) != null) {
            if (!(value instanceof Map<?, ?> section)) {
                throw new ValidationException("kubernetes must be an object (image, namespace, ...)");
            }
            Map<String, Object> copy = new LinkedHashMap<>();
            section.forEach((name, item) -> copy.put(String.valueOf(name), item));
            spec.kubernetes(copy);
        }
        return spec.build();
    }

    private static long whole(String field, Object value, long min, long max) {
        String allowed = max == Integer.MAX_VALUE ? "a whole number >= " + min : "a whole number between " + min + " and " + max;
        if (value instanceof Number number) {
            try {
                return Numbers.whole(field, number, min, max, allowed);
            } catch (ValidationException outOfRange) {
                // refused below, without the value
            }
        }
        throw new ValidationException(field + " must be " + allowed);
    }

    private static double cost(Object value) {
        if (value instanceof Number number) {
            try {
                double cost = Numbers.decimal("estimated_cost", number, COST).doubleValue();
                if (cost >= 0 && !Double.isInfinite(cost)) {
                    return cost;
                }
            } catch (ValidationException notANumber) {
                // refused below, without the value
            }
        }
        throw new ValidationException("estimated_cost must be " + COST);
    }

    private static String string(String field, Object value) {
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw new ValidationException(field + " must be a string");
    }

    private static List<?> list(String field, Object value) {
        if (value instanceof List<?> list) {
            if (list.stream().anyMatch(Objects::isNull)) {
                throw new ValidationException(field + " must not contain null");
            }
            return list;
        }
        throw new ValidationException(field + " must be a list");
    }

    private static List<String> strings(String field, Object value) {
        List<String> strings = new ArrayList<>();
        for (Object item : list(field, value)) {
            if (!(item instanceof String s)) {
                throw new ValidationException(field + " must be a list of strings");
            }
            strings.add(s);
        }
        return strings;
    }

    private static Map<String, String> env(Object value) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new ValidationException("env must be an object of strings");
        }
        Map<String, String> env = new LinkedHashMap<>();
        map.forEach((name, text) -> {
            if (!(text instanceof String s)) {
                throw new ValidationException("env must be an object of strings (" + name + " is not a string)");
            }
            env.put(String.valueOf(name), s);
        });
        return env;
    }
}
