package dev.gpuqueue.sqlite;

import dev.gpuqueue.core.error.ValidationException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How to open the database: the file, the durability setting ({@code synchronous}: FULL by
 * default, so an answered submit survives a machine crash; NORMAL trades that for speed), how long
 * to wait for a lock held elsewhere, how many reader connections to keep, and whether a missing
 * database may be created anew where one existed before ({@link #withNewDatabase}). Immutable.
 */
public record SqliteOptions(Path file, String synchronous, Duration busyTimeout, int readConnections, boolean newDatabase) {
    public static final String DB_FILE_NAME = "jobs.db";
    private static final Set<String> SYNCHRONOUS = Set.of("OFF", "NORMAL", "FULL", "EXTRA");

    public SqliteOptions {
        Objects.requireNonNull(file, "file");
        synchronous = synchronous == null ? "FULL" : synchronous.trim().toUpperCase(Locale.ROOT);
        if (!SYNCHRONOUS.contains(synchronous)) {
            throw new ValidationException("synchronous must be one of FULL, NORMAL, EXTRA, OFF (got " + synchronous + ")");
        }
        if (busyTimeout.isNegative() || busyTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new ValidationException("busy timeout must be between 0 and " + Integer.MAX_VALUE + " ms");
        }
        if (readConnections < 1 || readConnections > 64) {
            throw new ValidationException("read connections must be between 1 and 64 (got " + readConnections + ")");
        }
    }

    /** {@code jobs.db} in {@code home}, synchronous FULL, 5 s busy timeout, 4 readers. */
    public static SqliteOptions inHome(Path home) {
        return of(home.resolve(DB_FILE_NAME));
    }

    public static SqliteOptions of(Path file) {
        return new SqliteOptions(file, "FULL", Duration.ofSeconds(5), 4, false);
    }

    public SqliteOptions withSynchronous(String value) {
        return new SqliteOptions(file, value, busyTimeout, readConnections, newDatabase);
    }

    public SqliteOptions withBusyTimeout(Duration timeout) {
        return new SqliteOptions(file, synchronous, timeout, readConnections, newDatabase);
    }

    /**
     * Whether to create a new, empty database even where this directory held one that is now
     * missing (deleted by mistake, or on purpose); without it such a start is refused.
     */
    public SqliteOptions withNewDatabase(boolean value) {
        return new SqliteOptions(file, synchronous, busyTimeout, readConnections, value);
    }
}
