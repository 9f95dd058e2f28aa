package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.QueueSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A partial settings change keyed by wire name, as a JSON body gives it: a missing field stays
 * unchanged; {@code null} clears a field only where the range allows null
 * ({@code local_gpu_max_concurrent}, {@code approval_cost_threshold}). {@link #applyTo} checks the
 * whole change — names, types, ranges — before producing anything, so one bad field changes
 * nothing. Immutable.
 */
public final class SettingsUpdate {
    private static final Map<String, BiConsumer<QueueSettings.Builder, Object>> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("max_concurrent", (b, v) -> b.maxConcurrent(whole("max_concurrent", v)));
        FIELDS.put("user_max_concurrent", (b, v) -> b.userMaxConcurrent(whole("user_max_concurrent", v)));
        FIELDS.put("team_max_concurrent", (b, v) -> b.teamMaxConcurrent(whole("team_max_concurrent", v)));
        FIELDS.put("enable_fair_share", (b, v) -> b.enableFairShare(bool("enable_fair_share", v)));
        FIELDS.put("local_job_max_concurrent", (b, v) -> b.localJobMaxConcurrent(whole("local_job_max_concurrent", v)));
        FIELDS.put("local_gpu_max_concurrent",
                (b, v) -> b.localGpuMaxConcurrent(v == null ? null : whole("local_gpu_max_concurrent", v)));
        FIELDS.put("starvation_threshold_minutes",
                (b, v) -> b.starvationThresholdMinutes(whole("starvation_threshold_minutes", v)));
        FIELDS.put("starvation_boost", (b, v) -> b.starvationBoost(whole("starvation_boost", v)));
        FIELDS.put("starvation_max_boost", (b, v) -> b.starvationMaxBoost(whole("starvation_max_boost", v)));
        FIELDS.put("approval_cost_threshold",
                (b, v) -> b.approvalCostThreshold(v == null ? null : number("approval_cost_threshold", v)));
    }

    private static final List<String> NULLABLE = List.of("local_gpu_max_concurrent", "approval_cost_threshold");

    private final Map<String, Object> changes;

    private SettingsUpdate(Map<String, Object> changes) {
        this.changes = Collections.unmodifiableMap(new LinkedHashMap<>(changes));
    }

    /** A change of exactly the given fields (values: Integer/Long/Double/Boolean or null). */
    public static SettingsUpdate of(Map<String, ?> changes) {
        return new SettingsUpdate(new LinkedHashMap<>(changes));
    }

    /** The settings' wire names, in documentation order. */
    public static List<String> fieldNames() {
        return List.copyOf(FIELDS.keySet());
    }

    public Map<String, Object> changes() {
        return changes;
    }

    /**
     * The settings after this change.
     *
     * @throws ValidationException naming every unknown field, or the first bad value
     */
    public QueueSettings applyTo(QueueSettings current) {
        List<String> unknown = new ArrayList<>();
        for (String name : changes.keySet()) {
            if (!FIELDS.containsKey(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ValidationException("unknown setting" + (unknown.size() > 1 ? "s " : " ") + unknown
                    + "; allowed: " + String.join(", ", FIELDS.keySet()));
        }
        QueueSettings.Builder builder = current.toBuilder();
        for (Map.Entry<String, Object> change : changes.entrySet()) {
            if (change.getValue() == null && !NULLABLE.contains(change.getKey())) {
                throw new ValidationException(change.getKey() + " cannot be null; only "
                        + String.join(" and ", NULLABLE) + " can");
            }
            FIELDS.get(change.getKey()).accept(builder, change.getValue());
        }
        return builder.build();
    }

    private static int whole(String field, Object value) {
        if (value instanceof Number number && !(value instanceof Double || value instanceof Float)) {
            long n = number.longValue();
            if (n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE) {
                return (int) n;
            }
            throw new LimitOutOfRangeException(field, value, "a whole number in range");
        }
        if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())
                && Math.abs(number.doubleValue()) <= Integer.MAX_VALUE) {
            return (int) number.doubleValue();
        }
        throw new ValidationException(field + " must be a whole number (got " + describe(value) + ")");
    }

    private static double number(String field, Object value) {
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        throw new ValidationException(field + " must be a number or null (got " + describe(value) + ")");
    }

    private static boolean bool(String field, Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        throw new ValidationException(field + " must be true or false (got " + describe(value) + ")");
    }

    private static String describe(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    @Override
    public String toString() {
        return "SettingsUpdate" + changes;
    }
}
