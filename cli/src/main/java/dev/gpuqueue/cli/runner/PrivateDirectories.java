package dev.gpuqueue.cli.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Directories of the server's state: created, or narrowed, to the server's user alone ({@code 0700}). Stateless. */
public final class PrivateDirectories {
    private PrivateDirectories() {}

    /** Creates {@code dir} (and its parents) when missing, and makes it {@code 0700}. */
    public static Path ensure(Path dir) throws IOException {
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException notPosix) {
            // a file system without POSIX permissions: nothing to narrow
        }
        return dir;
    }
}
