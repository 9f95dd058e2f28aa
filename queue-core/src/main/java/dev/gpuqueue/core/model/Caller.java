package dev.gpuqueue.core.model;

import java.util.Objects;

/**
 * Who is asking: a user's id, name, level and team. The HTTP layer resolves one per request; the
 * embedding API passes one explicitly. Immutable.
 */
public record Caller(long userId, String name, Level level, String teamId) {
    /** The single-user-mode caller: user {@code local}, admin, no team. */
    public static final Caller LOCAL_ADMIN = new Caller(0, "local", Level.ADMIN, null);

    public Caller {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(level, "level");
        if (teamId != null && teamId.isBlank()) {
            teamId = null;
        }
    }

    public Submitter asSubmitter() {
        return new Submitter(userId, name, teamId);
    }

    public boolean owns(Job job) {
        return job.userId() == userId;
    }
}
