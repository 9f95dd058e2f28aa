package dev.gpuqueue.sqlite;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.port.User;
import dev.gpuqueue.core.port.UserDirectory;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * Users in SQLite: unique names, levels, teams, and the hash of each user's token. Every lookup
 * reads the database, so users added by {@code gpuqueue users add} in another process work at once.
 * Thread-safe.
 */
public final class SqliteUserDirectory implements UserDirectory {
    private static final RowMapper<User> USER = (rs, ctx) -> new User(
            rs.getLong("id"),
            rs.getString("name"),
            Level.parse(rs.getString("level")),
            rs.getString("team_id"),
            Times.instant(rs.getLong("created_at")));

    private final SqliteDatabase db;
    private final Clock clock;

    public SqliteUserDirectory(SqliteDatabase db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public User add(String name, Level level, String teamId, String tokenHash) {
        User.checkName(name);
        String team = User.checkTeam(teamId);
        Objects.requireNonNull(tokenHash, "tokenHash");
        long createdAt = Times.micros(clock.instant());
        return db.write(h -> {
            try {
                long id = h.createQuery("INSERT INTO users (name, level, team_id, token_hash, created_at)"
                                + " VALUES (:name, :level, :team, :hash, :at) RETURNING id")
                        .bind("name", name).bind("level", level.wireName()).bind("team", team)
                        .bind("hash", tokenHash).bind("at", createdAt)
                        .mapTo(Long.class).one();
                return new User(id, name, level, team, Times.instant(createdAt));
            } catch (JdbiException e) {
                if (SqliteErrors.isUniqueViolation(e) && String.valueOf(e.getCause().getMessage()).contains("users.name")) {
                    throw new ConflictException("a user named '" + name + "' already exists");
                }
                throw e;
            }
        });
    }

    @Override
    public Optional<User> find(long id) {
        return db.read(h -> h.createQuery("SELECT * FROM users WHERE id = :id").bind("id", id).map(USER).findOne());
    }

    @Override
    public Optional<User> findByName(String name) {
        return db.read(h -> h.createQuery("SELECT * FROM users WHERE name = :name").bind("name", name).map(USER).findOne());
    }

    @Override
    public Optional<User> findByTokenHash(String tokenHash) {
        return db.read(h -> h.createQuery("SELECT * FROM users WHERE token_hash = :hash")
                .bind("hash", tokenHash).map(USER).findOne());
    }

    @Override
    public List<User> list() {
        return db.read(h -> h.createQuery("SELECT * FROM users ORDER BY id").map(USER).list());
    }

    @Override
    public boolean remove(long id, BiConsumer<User, List<User>> check) {
        return db.write(h -> {
            List<User> users = h.createQuery("SELECT * FROM users ORDER BY id").map(USER).list();
            Optional<User> user = users.stream().filter(u -> u.id() == id).findFirst();
            if (user.isEmpty()) {
                return false;
            }
            check.accept(user.get(), users.stream().filter(u -> u.id() != id).toList());
            return h.createUpdate("DELETE FROM users WHERE id = :id").bind("id", id).execute() > 0;
        });
    }

    @Override
    public void replaceTokenHash(long id, String tokenHash) {
        Objects.requireNonNull(tokenHash, "tokenHash");
        int rows = db.write(h -> h.createUpdate("UPDATE users SET token_hash = :hash WHERE id = :id")
                .bind("hash", tokenHash).bind("id", id).execute());
        if (rows == 0) {
            throw new NotFoundException("no user with id " + id);
        }
    }

    @Override
    public long count() {
        return db.read(h -> h.createQuery("SELECT COUNT(*) FROM users").mapTo(Long.class).one());
    }
}
