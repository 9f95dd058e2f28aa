package dev.gpuqueue.core.model;

import dev.gpuqueue.core.error.ValidationException;
import java.util.Locale;
import java.util.Objects;

/**
 * A job waits for another job to end in a certain way before it may start (Slurm's
 * {@code --dependency=afterok|afterany|afternotok}). Immutable.
 */
public record Dependency(JobId jobId, Condition condition) {

    /** How the job waited for must end. */
    public enum Condition {
        /** It completed (exit code 0). */
        SUCCEEDED,
        /** It ended, whatever the outcome (completed, failed or cancelled). */
        FINISHED,
        /** It failed. */
        FAILED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Condition parse(String text) {
            for (Condition condition : values()) {
                if (condition.wireName().equals(text)) {
                    return condition;
                }
            }
            throw new ValidationException("unknown dependency condition '" + text + "'; use succeeded, finished or failed");
        }

        /** Whether a job now in {@code status} meets this condition, can still meet it, or never will. */
        public State stateFor(JobStatus status) {
            if (!status.isTerminal()) {
                return State.WAITING;
            }
            boolean met = switch (this) {
                case SUCCEEDED -> status == JobStatus.COMPLETED;
                case FINISHED -> true;
                case FAILED -> status == JobStatus.FAILED;
            };
            return met ? State.MET : State.NEVER;
        }
    }

    /** Where a dependency stands. */
    public enum State {
        MET,
        WAITING,
        NEVER
    }

    public Dependency {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(condition, "condition");
    }

    /** A dependency on {@code jobId} succeeding (the default condition). */
    public static Dependency on(JobId jobId) {
        return new Dependency(jobId, Condition.SUCCEEDED);
    }

    /**
     * Why a job waiting for this dependency can never start, now that the job waited for is
     * {@code status} (terminal), e.g. {@code dependency 8f2k failed}.
     */
    public String neverReason(JobStatus status) {
        String ended = switch (status) {
            case FAILED -> "failed";
            case CANCELLED -> "was cancelled";
            default -> status.wireName();
        };
        String wanted = condition == Condition.SUCCEEDED ? "" : " (the condition was " + condition.wireName() + ")";
        return "dependency " + jobId + " " + ended + wanted;
    }

    /** {@code JOB[:condition]}, the CLI's {@code --after} form. */
    public static Dependency parse(String text) {
        int colon = text.indexOf(':');
        String id = colon < 0 ? text : text.substring(0, colon);
        Condition condition = colon < 0 ? Condition.SUCCEEDED : Condition.parse(text.substring(colon + 1));
        return new Dependency(JobId.of(id), condition);
    }
}
