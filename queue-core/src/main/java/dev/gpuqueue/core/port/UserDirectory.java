package dev.gpuqueue.core.port;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.model.Level;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Users, their levels and teams, and the hashes of their API tokens (never the tokens). Lookups
 * see changes at once: a user added or a token rotated works on the next request. Implementations
 * are thread-safe.
 */
public interface UserDirectory {

    /**
     * Adds a user with the next id (ids start at 1).
     *
     * @throws ConflictException when the name is taken
     */
    User add(String name, Level level, String teamId, String tokenHash);

    Optional<User> find(long id);

    Optional<User> findByName(String name);

    Optional<User> findByTokenHash(String tokenHash);

    /** Every user, by id. */
    List<User> list();

    /**
     * Removes the user (their jobs stay) once {@code check} has accepted the user and the users that
     * would remain; the check and the removal are one atomic step, so two removals cannot both pass
     * a rule such as "an admin remains". False when there was no such user.
     *
     * @throws RuntimeException whatever {@code check} throws; then nothing is removed
     */
    boolean remove(long id, BiConsumer<User, List<User>> check);

    /**
     * Replaces the user's token hash; the old token stops working at once.
     *
     * @throws NotFoundException when there is no such user
     */
    void replaceTokenHash(long id, String tokenHash);

    long count();
}
