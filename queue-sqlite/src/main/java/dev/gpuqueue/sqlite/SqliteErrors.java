package dev.gpuqueue.sqlite;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.error.StoreException;
import dev.gpuqueue.core.error.StoreUnavailableException;
import java.nio.file.Path;
import java.sql.SQLException;

/** Turns SQLite and Jdbi failures into the core's exceptions, naming the file. Stateless. */
final class SqliteErrors {
    // SQLite primary result codes (the low byte of extended codes).
    private static final int BUSY = 5;
    private static final int LOCKED = 6;
    private static final int READONLY = 8;
    private static final int IOERR = 10;
    private static final int CORRUPT = 11;
    private static final int FULL = 13;
    private static final int CANTOPEN = 14;
    private static final int CONSTRAINT = 19;
    private static final int NOTADB = 26;

    private SqliteErrors() {}

    static QueueException translate(Throwable failure, Path file, long busyTimeoutMillis) {
        SQLException sql = findSqlException(failure);
        int code = sql == null ? -1 : sql.getErrorCode() & 0xFF;
        String detail = sql == null ? String.valueOf(failure.getMessage()) : sql.getMessage();
        // The file's name only: these messages reach API clients, who need not learn server paths.
        Path name = file.getFileName();
        return switch (code) {
            case BUSY, LOCKED -> new StoreUnavailableException("the database " + name + " is busy: another connection or"
                    + " process held its lock for more than " + busyTimeoutMillis + " ms; retry shortly", failure);
            case FULL -> new StoreUnavailableException("the disk holding " + name + " is full; free space and retry", failure);
            case IOERR -> new StoreUnavailableException("reading or writing " + name + " failed (" + detail + ")", failure);
            case READONLY, CANTOPEN -> new StoreException("cannot write the database " + name
                    + ": check that the file and its directory are writable (" + detail + ")", failure);
            case NOTADB, CORRUPT -> new StoreException(name + " is not a usable SQLite database (" + detail
                    + "); move it away or choose another --home", failure);
            case CONSTRAINT -> new ConflictException("the change conflicts with stored data (" + detail + ")");
            default -> new StoreException("database error on " + name + ": " + detail, failure);
        };
    }

    static SQLException findSqlException(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }

    static boolean isUniqueViolation(Throwable failure) {
        SQLException sql = findSqlException(failure);
        return sql != null && (sql.getErrorCode() & 0xFF) == CONSTRAINT
                && String.valueOf(sql.getMessage()).contains("UNIQUE");
    }
}
