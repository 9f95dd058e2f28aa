package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.policy.Permissions;
import dev.gpuqueue.core.port.User;
import dev.gpuqueue.core.port.UserDirectory;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Users and their API tokens: create (the token is returned once and stored only as its hash),
 * list, remove, rotate, and resolve a token to a caller. Managing users needs the admin level.
 * While no user exists the queue is in single-user mode. Thread-safe.
 */
public final class UserAdmin {
    private final UserDirectory users;

    public UserAdmin(UserDirectory users) {
        this.users = Objects.requireNonNull(users, "users");
    }

    /** A new user and the token to hand them; the token is not kept anywhere. Immutable. */
    public record CreatedUser(User user, String token) {
        @Override
        public String toString() {
            return "CreatedUser[user=" + user + ", token=<hidden>]";
        }
    }

    public CreatedUser create(Caller caller, String name, Level level, String teamId) {
        Permissions.requireAdmin(caller, "managing users");
        Objects.requireNonNull(level, "level");
        String token = ApiTokens.generate();
        return new CreatedUser(users.add(name, level, teamId, ApiTokens.hash(token)), token);
    }

    public List<User> list(Caller caller) {
        Permissions.requireAdmin(caller, "managing users");
        return users.list();
    }

    public void remove(Caller caller, long userId) {
        Permissions.requireAdmin(caller, "managing users");
        if (!users.remove(userId)) {
            throw new NotFoundException("no user with id " + userId);
        }
    }

    /** Replaces the user's token; the old one stops working at once. Returns the new token (shown once). */
    public String rotate(Caller caller, long userId) {
        Permissions.requireAdmin(caller, "managing users");
        String token = ApiTokens.generate();
        users.replaceTokenHash(userId, ApiTokens.hash(token));
        return token;
    }

    /** Whether no user exists yet, so every request acts as the single-user admin {@code local}. */
    public boolean singleUserMode() {
        return users.count() == 0;
    }

    /** The caller a token belongs to, looked up by the token's hash (never by the token itself). */
    public Optional<Caller> authenticate(String token) {
        if (token == null || token.isBlank()) {
            return Optional.empty();
        }
        return users.findByTokenHash(ApiTokens.hash(token.strip())).map(User::asCaller);
    }
}
