package dev.gpuqueue.core.model;

import java.util.Objects;

/** Who submitted a job: the user's id and unique name, and their team (or null). Immutable. */
public record Submitter(long userId, String userName, String teamId) {
    public Submitter {
        if (userId < 0) {
            throw new IllegalArgumentException("userId must be >= 0, got " + userId);
        }
        Objects.requireNonNull(userName, "userName");
        if (userName.isBlank()) {
            throw new IllegalArgumentException("userName must not be blank");
        }
        if (teamId != null && teamId.isBlank()) {
            teamId = null;
        }
    }

    public boolean hasTeam() {
        return teamId != null;
    }
}
