package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.Setting;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A partial settings change keyed by wire name, as a JSON body gives it: a missing field stays
 * unchanged; {@code null} clears a field only where the {@link Setting} table allows it.
 * {@link #applyTo} checks the whole change — names, types, ranges — before producing anything, so
 * one bad field changes nothing. Immutable.
 */
public final class SettingsUpdate {
    private final Map<String, Object> changes;

    private SettingsUpdate(Map<String, Object> changes) {
        this.changes = Collections.unmodifiableMap(new LinkedHashMap<>(changes));
    }

    /** A change of exactly the given fields (values: any Number, Boolean, or null). */
    public static SettingsUpdate of(Map<String, ?> changes) {
        return new SettingsUpdate(new LinkedHashMap<>(changes));
    }

    /** The settings' wire names, in documentation order. */
    public static List<String> fieldNames() {
        return Arrays.stream(Setting.values()).map(Setting::wireName).toList();
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
        List<String> unknown = changes.keySet().stream().filter(name -> Setting.byWireName(name).isEmpty()).toList();
        if (!unknown.isEmpty()) {
            throw new ValidationException("unknown setting" + (unknown.size() > 1 ? "s " : " ") + unknown
                    + "; allowed: " + String.join(", ", fieldNames()));
        }
        QueueSettings.Builder builder = current.toBuilder();
        changes.forEach((name, value) -> builder.set(Setting.byWireName(name).orElseThrow(), value));
        return builder.build();
    }

    @Override
    public String toString() {
        return "SettingsUpdate" + changes;
    }
}
