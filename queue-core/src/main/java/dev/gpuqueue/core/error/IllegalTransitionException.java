package dev.gpuqueue.core.error;

import dev.gpuqueue.core.model.JobStatus;

/**
 * A change the transition table of {@link JobStatus} does not allow: a status change it does not
 * list, or a change that needs another status (approving a job that is not blocked). The one
 * exception for an illegal move (HTTP 409).
 */
public final class IllegalTransitionException extends ConflictException {
    private static final long serialVersionUID = 1L;

    private final JobStatus from;
    private final JobStatus to;

    public IllegalTransitionException(JobStatus from, JobStatus to) {
        this(from, to, message(from, to));
    }

    /** The same refusal in the words of the operation that was asked for ("only blocked jobs can be approved"). */
    public IllegalTransitionException(JobStatus from, JobStatus to, String message) {
        super(message);
        this.from = from;
        this.to = to;
    }

    private static String message(JobStatus from, JobStatus to) {
        String start = from == null ? "a new job" : "a " + from.wireName() + " job";
        String why = from != null && from.isTerminal() ? " (terminal states never change)" : "";
        return "cannot move " + start + " to " + to.wireName() + why;
    }

    /** The current status, or {@code null} for a job that does not exist yet. */
    public JobStatus from() {
        return from;
    }

    public JobStatus to() {
        return to;
    }
}
