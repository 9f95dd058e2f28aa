package dev.gpuqueue.core.model;

import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.error.ValidationException;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The one table of queue settings: wire name, type, range, what {@code null} means where it is
 * allowed, and how to read and set it on {@link QueueSettings}. Validation, storage and the API's
 * settings object go through it, in this order; {@code OpenApiDocumentTest} keeps the documented
 * settings equal to it. Defaults are {@link QueueSettings#DEFAULTS}.
 */
public enum Setting {
    MAX_CONCURRENT("max_concurrent", Type.WHOLE, 1, 100, null,
            QueueSettings::maxConcurrent, (b, v) -> b.maxConcurrent((Integer) v)),
    USER_MAX_CONCURRENT("user_max_concurrent", Type.WHOLE, 1, 20, null,
            QueueSettings::userMaxConcurrent, (b, v) -> b.userMaxConcurrent((Integer) v)),
    TEAM_MAX_CONCURRENT("team_max_concurrent", Type.WHOLE, 1, 50, null,
            QueueSettings::teamMaxConcurrent, (b, v) -> b.teamMaxConcurrent((Integer) v)),
    ENABLE_FAIR_SHARE("enable_fair_share", Type.BOOLEAN, 0, 0, null,
            QueueSettings::enableFairShare, (b, v) -> b.enableFairShare((Boolean) v)),
    LOCAL_JOB_MAX_CONCURRENT("local_job_max_concurrent", Type.WHOLE, 1, 10, null,
            QueueSettings::localJobMaxConcurrent, (b, v) -> b.localJobMaxConcurrent((Integer) v)),
    LOCAL_GPU_MAX_CONCURRENT("local_gpu_max_concurrent", Type.WHOLE, 1, Integer.MAX_VALUE, "unlimited",
            QueueSettings::localGpuMaxConcurrent, (b, v) -> b.localGpuMaxConcurrent((Integer) v)),
    STARVATION_THRESHOLD_MINUTES("starvation_threshold_minutes", Type.WHOLE, 1, 10_080, null,
            QueueSettings::starvationThresholdMinutes, (b, v) -> b.starvationThresholdMinutes((Integer) v)),
    STARVATION_BOOST("starvation_boost", Type.WHOLE, 0, 50, null,
            QueueSettings::starvationBoost, (b, v) -> b.starvationBoost((Integer) v)),
    STARVATION_MAX_BOOST("starvation_max_boost", Type.WHOLE, 0, 100, null,
            QueueSettings::starvationMaxBoost, (b, v) -> b.starvationMaxBoost((Integer) v)),
    APPROVAL_COST_THRESHOLD("approval_cost_threshold", Type.DECIMAL, 0, 0, "off",
            QueueSettings::approvalCostThreshold, (b, v) -> b.approvalCostThreshold((Double) v)),
    USER_MAX_PENDING("user_max_pending", Type.WHOLE, 1, 100_000, "unlimited",
            QueueSettings::userMaxPending, (b, v) -> b.userMaxPending((Integer) v)),
    ENABLE_BACKFILL("enable_backfill", Type.BOOLEAN, 0, 0, null,
            QueueSettings::enableBackfill, (b, v) -> b.enableBackfill((Boolean) v));

    /** What a setting holds. */
    enum Type {
        /** A whole number within {@code min..max}. */
        WHOLE,
        /** {@code true} or {@code false}. */
        BOOLEAN,
        /** A finite number {@code >= min}. */
        DECIMAL
    }

    private final String wireName;
    private final Type type;
    private final long min;
    private final long max;
    /** What null means ("unlimited", "off"), or null when null is not allowed. */
    private final String nullMeans;
    private final Function<QueueSettings, Object> getter;
    private final BiConsumer<QueueSettings.Builder, Object> setter;

    Setting(String wireName, Type type, long min, long max, String nullMeans, Function<QueueSettings, Object> getter,
            BiConsumer<QueueSettings.Builder, Object> setter) {
        this.wireName = wireName;
        this.type = type;
        this.min = min;
        this.max = max;
        this.nullMeans = nullMeans;
        this.getter = getter;
        this.setter = setter;
    }

    public String wireName() {
        return wireName;
    }

    /** The setting's value in {@code settings}: Integer, Boolean, Double, or null. */
    public Object get(QueueSettings settings) {
        return getter.apply(settings);
    }

    /** The built-in default. */
    public Object defaultValue() {
        return get(QueueSettings.DEFAULTS);
    }

    /** The setting by wire name. */
    public static Optional<Setting> byWireName(String name) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(name)).findFirst();
    }

    /** The allowed values in words, e.g. {@code a whole number between 1 and 100}. */
    public String allowed() {
        String range = switch (type) {
            case BOOLEAN -> "true or false";
            case DECIMAL -> "a finite number >= " + min;
            case WHOLE -> max == Integer.MAX_VALUE ? "a whole number >= " + min
                    : "a whole number between " + min + " and " + max;
        };
        return nullMeans != null ? range + ", or null for " + nullMeans : range;
    }

    /**
     * {@code value} (as parsed from JSON: any {@link Number}, Boolean, or null) checked against the
     * range and converted to the setting's Java type; the message of a refusal quotes the value as
     * sent, however large.
     *
     * @throws ValidationException naming the setting and what it allows
     */
    public Object parse(Object value) {
        if (value == null) {
            if (nullMeans == null) {
                throw new ValidationException(wireName + " cannot be null; it must be " + allowed());
            }
            return null;
        }
        if (type != Type.BOOLEAN && !(value instanceof Number)) {
            throw new ValidationException(wireName + " must be " + allowed() + " (got " + Numbers.quote(value) + ")");
        }
        return switch (type) {
            case BOOLEAN -> {
                if (value instanceof Boolean b) {
                    yield b;
                }
                throw new ValidationException(wireName + " must be true or false (got " + Numbers.quote(value) + ")");
            }
            case WHOLE -> (int) Numbers.whole(wireName, value, min, max, allowed());
            case DECIMAL -> {
                BigDecimal number = Numbers.decimal(wireName, value, allowed());
                if (number.compareTo(BigDecimal.valueOf(min)) < 0 || Double.isInfinite(number.doubleValue())) {
                    throw new LimitOutOfRangeException(wireName, number, allowed());
                }
                yield number.doubleValue();
            }
        };
    }

    /** Sets this setting on {@code builder} to {@code value} after {@link #parse}. */
    public void set(QueueSettings.Builder builder, Object value) {
        setter.accept(builder, parse(value));
    }
}
