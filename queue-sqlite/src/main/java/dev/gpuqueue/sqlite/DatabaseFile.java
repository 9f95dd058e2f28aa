package dev.gpuqueue.sqlite;

import dev.gpuqueue.core.error.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The database file on disk. It is private to the server's user (the file {@code 0600}, a new
 * directory {@code 0700}; SQLite gives its {@code -wal} and {@code -shm} files the same mode), and
 * a marker beside it ({@code .jobs.db.created}, which {@code rm jobs.db*} does not match) records
 * that this directory holds a database: when the database is missing later, opening is refused
 * instead of silently starting empty, unless a new one is asked for. While open, the file's
 * identity (device and inode) is remembered, so a file deleted or replaced under a running server
 * is noticed. Thread-safe after {@link #remember()}.
 */
final class DatabaseFile {
    static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");

    private final Path file;
    private final Path marker;
    private volatile Object identity;

    private DatabaseFile(Path file) {
        this.file = file;
        this.marker = file.resolveSibling("." + file.getFileName() + ".created");
    }

    Path path() {
        return file;
    }

    /**
     * Makes the file ready to open: its directory exists, a database that vanished from a directory
     * that held one is refused (unless {@code newDatabase}), a new file is created private, an old
     * one is made private.
     */
    static DatabaseFile prepare(Path file, boolean newDatabase) {
        DatabaseFile db = new DatabaseFile(file.toAbsolutePath());
        db.createDirectory();
        if (Files.isDirectory(db.file)) {
            throw new StoreException(db.file + " is a directory, not a database file; choose another --home");
        }
        if (!Files.exists(db.file) && Files.exists(db.marker) && !newDatabase) {
            throw new StoreException("the database " + db.file + " is missing, but this directory held one ("
                    + db.marker.getFileName() + " says so). Restore it from a backup; or, to start over with an empty"
                    + " database on purpose (every job and user is gone), start the server with --new-database");
        }
        db.makePrivate();
        return db;
    }

    private void createDirectory() {
        Path dir = file.getParent();
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                setPermissions(dir, PRIVATE_DIR);
            }
        } catch (IOException e) {
            throw new StoreException("cannot create the directory " + dir + " for the database: " + e, e);
        }
    }

    private void makePrivate() {
        try {
            Files.createFile(file);
        } catch (FileAlreadyExistsException exists) {
            // an existing database: tightened below
        } catch (IOException e) {
            throw new StoreException("cannot create the database " + file + ": " + e, e);
        }
        for (String suffix : new String[] {"", "-wal", "-shm"}) {
            Path path = file.resolveSibling(file.getFileName() + suffix);
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                setPermissions(path, PRIVATE_FILE);
            }
        }
    }

    /** After opening: remembers the file's identity, and writes the marker if it is not there yet. */
    void remember() {
        identity = identity().orElseThrow(() -> new StoreException("the database " + file + " vanished while opening"));
        if (!Files.exists(marker)) {
            try {
                Files.writeString(marker, "gpuqueue keeps its database " + file.getFileName() + " in this directory"
                        + " (since " + Clock.systemUTC().instant() + "). If it goes missing, gpuqueue refuses to start"
                        + " rather than start empty; 'gpuqueue server --new-database' starts over on purpose.\n",
                        StandardCharsets.UTF_8);
                setPermissions(marker, PRIVATE_FILE);
            } catch (IOException e) {
                throw new StoreException("cannot write " + marker + ": " + e, e);
            }
        }
    }

    /** What is wrong with the file at the path now: missing, or another file than the one open; empty when fine. */
    Optional<String> problem() {
        Optional<Object> now = identity();
        if (now.isEmpty()) {
            return Optional.of("the database file " + file.getFileName() + " was deleted while the server runs;"
                    + " nothing written now would survive a restart. Restore it and restart the server");
        }
        if (!Objects.equals(now.get(), identity)) {
            return Optional.of("the database file " + file.getFileName() + " was replaced while the server runs;"
                    + " the server still holds the old one. Restart the server to use the new file");
        }
        return Optional.empty();
    }

    private Optional<Object> identity() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return Optional.of(attributes.fileKey() != null ? attributes.fileKey() : attributes.creationTime());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException("cannot read the attributes of the database file " + file.getFileName(), e);
        }
    }

    static void setPermissions(Path path, Set<PosixFilePermission> permissions) {
        try {
            Files.setPosixFilePermissions(path, permissions);
        } catch (UnsupportedOperationException notPosix) {
            // a file system without POSIX permissions: nothing to tighten
        } catch (IOException e) {
            throw new StoreException("cannot restrict the permissions of " + path + ": " + e, e);
        }
    }
}
