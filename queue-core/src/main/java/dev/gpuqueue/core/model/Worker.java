package dev.gpuqueue.core.model;

import dev.gpuqueue.core.error.ValidationException;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A remote worker as the orchestrator records it: its id (the name an admin gave it), its type,
 * the labels an admin set (they win over the ones the worker reports, and registration never wipes
 * them), the labels and GPUs it reported when it last registered, whether it is draining, and when
 * it was created and last registered (null until it first does). Its token is kept only as a hash,
 * by the registry. Immutable.
 */
public record Worker(
        String id,
        String workerType,
        Map<String, String> adminLabels,
        Map<String, String> reportedLabels,
        List<GpuDevice> gpus,
        boolean draining,
        Instant createdAt,
        Instant registeredAt) {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_./-]{0,63}");
    /** The worker type when none is given. */
    public static final String DEFAULT_TYPE = "gpu";

    public Worker {
        checkId(id);
        Objects.requireNonNull(workerType, "workerType");
        adminLabels = sorted(adminLabels);
        reportedLabels = sorted(reportedLabels);
        gpus = List.copyOf(gpus);
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** A worker just created by an admin: nothing reported yet. */
    public static Worker created(String id, String workerType, Map<String, String> labels, Instant at) {
        return new Worker(id, workerType == null || workerType.isBlank() ? DEFAULT_TYPE : workerType.strip(),
                checkLabels(labels), Map.of(), List.of(), false, at, null);
    }

    /**
     * The id a worker is created under: letters, digits, {@code _ . -}, at most 64, starting with a
     * letter or digit.
     *
     * @throws ValidationException saying what is allowed
     */
    public static String checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new ValidationException("a worker name is 1 to 64 letters, digits, '_', '.' or '-', starting with a"
                    + " letter or digit");
        }
        return id;
    }

    /**
     * Labels as a worker or an admin may give them: keys of letters, digits, {@code _ . / -} (at most
     * 64), values of at most 256 characters, at most 64 labels.
     *
     * @throws ValidationException naming the label at fault
     */
    public static Map<String, String> checkLabels(Map<String, String> labels) {
        if (labels == null) {
            return Map.of();
        }
        if (labels.size() > 64) {
            throw new ValidationException("at most 64 labels, got " + labels.size());
        }
        for (Map.Entry<String, String> label : labels.entrySet()) {
            if (label.getKey() == null || !LABEL_KEY.matcher(label.getKey()).matches()) {
                throw new ValidationException("a label key is 1 to 64 letters, digits, '_', '.', '/' or '-', starting"
                        + " with a letter or digit");
            }
            if (label.getValue() == null || label.getValue().length() > 256) {
                throw new ValidationException("label " + label.getKey() + " needs a value of at most 256 characters");
            }
        }
        return labels;
    }

    /** The labels jobs are matched against: the reported ones, overridden by the admin's. */
    public Map<String, String> labels() {
        Map<String, String> merged = new TreeMap<>(reportedLabels);
        merged.putAll(adminLabels);
        return Collections.unmodifiableMap(merged);
    }

    public Worker withDraining(boolean value) {
        return new Worker(id, workerType, adminLabels, reportedLabels, gpus, value, createdAt, registeredAt);
    }

    /** This worker after it registered at {@code at} with {@code labels} and {@code gpus}; the admin's labels stay. */
    public Worker registered(Map<String, String> labels, List<GpuDevice> reported, Instant at) {
        return new Worker(id, workerType, adminLabels, checkLabels(labels), reported, draining, createdAt, at);
    }

    private static Map<String, String> sorted(Map<String, String> labels) {
        return labels == null || labels.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
    }
}
