package dev.gpuqueue.core.memory;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.port.User;
import dev.gpuqueue.core.port.UserDirectory;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/** A {@link UserDirectory} in memory. Thread-safe (every method is synchronized). */
public final class InMemoryUserDirectory implements UserDirectory {
    private final Clock clock;
    private final Map<Long, User> users = new TreeMap<>();
    private final Map<Long, String> tokenHashes = new HashMap<>();
    private long lastId;

    public InMemoryUserDirectory(Clock clock) {
        this.clock = clock;
    }

    public InMemoryUserDirectory() {
        this(Clock.systemUTC());
    }

    @Override
    public synchronized User add(String name, Level level, String teamId, String tokenHash) {
        User.checkName(name);
        Objects.requireNonNull(tokenHash, "tokenHash");
        if (findByName(name).isPresent()) {
            throw new ConflictException("a user named '" + name + "' already exists");
        }
        User user = new User(lastId + 1, name, level, teamId, clock.instant());
        lastId++;
        users.put(user.id(), user);
        tokenHashes.put(user.id(), tokenHash);
        return user;
    }

    @Override
    public synchronized Optional<User> find(long id) {
        return Optional.ofNullable(users.get(id));
    }

    @Override
    public synchronized Optional<User> findByName(String name) {
        return users.values().stream().filter(u -> u.name().equals(name)).findFirst();
    }

    @Override
    public synchronized Optional<User> findByTokenHash(String tokenHash) {
        return tokenHashes.entrySet().stream()
                .filter(e -> e.getValue().equals(tokenHash))
                .map(e -> users.get(e.getKey()))
                .findFirst();
    }

    @Override
    public synchronized List<User> list() {
        return List.copyOf(users.values());
    }

    @Override
    public synchronized boolean remove(long id, BiConsumer<User, List<User>> check) {
        User user = users.get(id);
        if (user == null) {
            return false;
        }
        check.accept(user, users.values().stream().filter(u -> u.id() != id).toList());
        tokenHashes.remove(id);
        return users.remove(id) != null;
    }

    @Override
    public synchronized void replaceTokenHash(long id, String tokenHash) {
        if (!users.containsKey(id)) {
            throw new NotFoundException("no user with id " + id);
        }
        tokenHashes.put(id, Objects.requireNonNull(tokenHash, "tokenHash"));
    }

    @Override
    public synchronized long count() {
        return users.size();
    }
}
