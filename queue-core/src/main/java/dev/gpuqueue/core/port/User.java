package dev.gpuqueue.core.port;

import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Level;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/** A user known to the {@link UserDirectory}: unique id and name, level, optional team. Immutable. */
public record User(long id, String name, Level level, String teamId, Instant createdAt) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public User {
        if (id < 1) {
            throw new IllegalArgumentException("user ids start at 1 (0 is the single-user 'local'), got " + id);
        }
        checkName(name);
        Objects.requireNonNull(level, "level");
        teamId = checkTeam(teamId);
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** Throws {@link ValidationException} unless {@code name} is 1..64 of {@code [A-Za-z0-9._-]}. */
    public static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ValidationException("invalid user name '" + name + "': use 1 to 64 letters, digits, '.', '_' or '-'");
        }
    }

    /** A blank team means none; otherwise the same characters as a name. */
    public static String checkTeam(String teamId) {
        if (teamId == null || teamId.isBlank()) {
            return null;
        }
        if (!NAME.matcher(teamId).matches()) {
            throw new ValidationException("invalid team '" + teamId + "': use 1 to 64 letters, digits, '.', '_' or '-'");
        }
        return teamId;
    }

    public Caller asCaller() {
        return new Caller(id, name, level, teamId);
    }
}
