package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.ConfirmationRequiredException;
import dev.gpuqueue.core.error.ConflictException;
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
    private static final System.Logger LOG = System.getLogger(UserAdmin.class.getName());
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

    /**
     * Adds a user and returns its token. A first user who is not an admin ends single-user mode with
     * nobody able to manage users through the API: allowed (the machine's owner still can, with
     * {@code gpuqueue users}), and logged.
     */
    public CreatedUser create(Caller caller, String name, Level level, String teamId) {
        Permissions.requireAdmin(caller, "managing users");
        Objects.requireNonNull(level, "level");
        if (level != Level.ADMIN && singleUserMode()) {
            LOG.log(System.Logger.Level.WARNING, "The first user, {0}, is not an admin: until an admin is added, users"
                    + " can be managed only on the server's machine, with its database", name);
        }
        String token = ApiTokens.generate();
        return new CreatedUser(users.add(name, level, teamId, ApiTokens.hash(token)), token);
    }

    public List<User> list(Caller caller) {
        Permissions.requireAdmin(caller, "managing users");
        return users.list();
    }

    /**
     * Removes a user. The last admin cannot be removed while other users exist (they would be left
     * with nobody to manage them); removing the very last user turns authentication off (single-user
     * mode), so it needs {@code confirmLastUser}, and is logged.
     */
    public void remove(Caller caller, long userId, boolean confirmLastUser) {
        Permissions.requireAdmin(caller, "managing users");
        boolean removed = users.remove(userId, (user, remaining) -> {
            if (remaining.isEmpty()) {
                if (!confirmLastUser) {
                    throw new ConfirmationRequiredException("user " + user.name() + " is the last user: removing it turns"
                            + " authentication off (single-user mode, where every request on a loopback address acts as"
                            + " admin); confirm to proceed");
                }
            } else if (user.level() == Level.ADMIN && remaining.stream().noneMatch(u -> u.level() == Level.ADMIN)) {
                throw new ConflictException("user " + user.name() + " is the last admin and " + remaining.size()
                        + " other user(s) exist; add another admin first, or remove the others");
            }
        });
        if (!removed) {
            throw new NotFoundException("no user with id " + userId);
        }
        if (singleUserMode()) {
            LOG.log(System.Logger.Level.WARNING, "The last user was removed: single-user mode is back (no credentials;"
                    + " every request on a loopback address acts as the admin local)");
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
