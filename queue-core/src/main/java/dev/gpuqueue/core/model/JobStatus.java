package dev.gpuqueue.core.model;

import dev.gpuqueue.core.error.IllegalTransitionException;
import dev.gpuqueue.core.error.ValidationException;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A job's status, and the single table of legal status changes. Immutable, thread-safe.
 *
 * <p>{@code blocked} always means "awaiting approval". Terminal states never change.
 */
public enum JobStatus {
    PENDING,
    BLOCKED,
    RUNNING,
    COMPLETED,
    FAILED,
    CANCELLED;

    /** The alias users may type for {@link #PENDING}; never stored or listed. */
    public static final String QUEUED_ALIAS = "queued";

    /** The states a job never leaves: completed, failed, cancelled. */
    public static final Set<JobStatus> TERMINAL = Collections.unmodifiableSet(EnumSet.of(COMPLETED, FAILED, CANCELLED));

    private static final Set<JobStatus> INITIAL = EnumSet.of(PENDING, BLOCKED, RUNNING);
    private static final Map<JobStatus, Set<JobStatus>> TRANSITIONS = new EnumMap<>(JobStatus.class);

    static {
        TRANSITIONS.put(BLOCKED, EnumSet.of(PENDING, FAILED, CANCELLED));
        TRANSITIONS.put(PENDING, EnumSet.of(RUNNING, CANCELLED));
        TRANSITIONS.put(RUNNING, EnumSet.of(COMPLETED, FAILED, PENDING, CANCELLED));
        TRANSITIONS.put(COMPLETED, EnumSet.noneOf(JobStatus.class));
        TRANSITIONS.put(FAILED, EnumSet.noneOf(JobStatus.class));
        TRANSITIONS.put(CANCELLED, EnumSet.noneOf(JobStatus.class));
    }

    /** The lower-case name used in JSON, the CLI and the database. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isActive() {
        return !isTerminal();
    }

    public boolean isTerminal() {
        return TERMINAL.contains(this);
    }

    public boolean canMoveTo(JobStatus to) {
        return TRANSITIONS.get(this).contains(to);
    }

    /** Throws {@link IllegalTransitionException} unless the table allows {@code this → to}. */
    public void checkMoveTo(JobStatus to) {
        if (!canMoveTo(to)) {
            throw new IllegalTransitionException(this, to);
        }
    }

    /** Whether a job may be created directly in this status. */
    public static boolean isInitial(JobStatus status) {
        return INITIAL.contains(status);
    }

    /** Throws {@link IllegalTransitionException} unless a new job may start in {@code status}. */
    public static void checkInitial(JobStatus status) {
        if (!isInitial(status)) {
            throw new IllegalTransitionException(null, status);
        }
    }

    /**
     * Parses a status as users type it: case-insensitive, with {@code queued} for {@code pending}.
     *
     * @throws ValidationException naming the allowed values
     */
    public static JobStatus parse(String text) {
        String normalized = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (normalized.equals(QUEUED_ALIAS)) {
            return PENDING;
        }
        for (JobStatus status : values()) {
            if (status.wireName().equals(normalized)) {
                return status;
            }
        }
        throw new ValidationException("unknown status '" + text + "'; allowed: " + allowedValues());
    }

    /** The accepted spellings, for error messages: {@code pending (or queued), blocked, ...}. */
    public static String allowedValues() {
        return Arrays.stream(values())
                .map(s -> s == PENDING ? "pending (or " + QUEUED_ALIAS + ")" : s.wireName())
                .collect(Collectors.joining(", "));
    }
}
