package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.ConfirmationRequiredException;
import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.policy.Permissions;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.User;
import dev.gpuqueue.core.port.UserDirectory;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Users and their API tokens: create (the token is returned once and stored only as its hash),
 * list, remove, rotate, and resolve a token to a caller. Managing users needs the admin level.
 * While no user exists the queue is in single-user mode. Each change is recorded as a
 * {@code user_changed} event in {@code events}, right after the directory committed it (two
 * stores, so not atomically: a change whose event cannot be stored stands, and is logged).
 * Thread-safe.
 */
public final class UserAdmin {
    private static final System.Logger LOG = System.getLogger(UserAdmin.class.getName());
    private final UserDirectory users;
    private final JobStore events;
    private final Clock clock;

    public UserAdmin(UserDirectory users, JobStore events, Clock clock) {
        this.users = Objects.requireNonNull(users, "users");
        this.events = Objects.requireNonNull(events, "events");
        this.clock = Objects.requireNonNull(clock, "clock");
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
                    + " can be managed only on the server''s machine, with its database", name);
        }
        String token = ApiTokens.generate();
        User user = users.add(name, level, teamId, ApiTokens.hash(token));
        record(caller, user.id(), "added " + user.name() + " (" + user.level().wireName()
                + (user.teamId() == null ? "" : ", team " + user.teamId()) + ")");
        return new CreatedUser(user, token);
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
        AtomicReference<String> name = new AtomicReference<>();
        boolean removed = users.remove(userId, (user, remaining) -> {
            name.set(user.name());
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
        record(caller, userId, "removed " + name.get());
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
        record(caller, userId, "new token");
        return token;
    }

    private void record(Caller caller, long userId, String detail) {
        try {
            events.inTransaction(tx -> tx.append(QueueEvent.userChanged(userId, clock.instant(), caller.name(), detail)));
        } catch (QueueException e) {
            LOG.log(System.Logger.Level.WARNING, "User {0}: {1}, but the event could not be stored: {2}", userId, detail,
                    e.getMessage());
        }
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
