package dev.gpuqueue.cli.runner;

import dev.gpuqueue.core.error.StoreException;
import dev.gpuqueue.core.model.JobId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Where a job's files live in the logs directory: {@code <job_id>.log} (its output, all attempts),
 * and per attempt {@code <job_id>.<attempt>.pid} and {@code <job_id>.<attempt>.exit} (and, for an attempt run
 * on a remote worker, {@code <job_id>.<attempt>.base}). Job ids are
 * URL-safe, so these names never leave the directory. Thread-safe.
 */
final class JobFiles {
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    private final Path dir;

    JobFiles(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** Creates the directory, private to the server's user, when it is missing. */
    void prepare() throws IOException {
        if (!Files.isDirectory(dir)) {
            PrivateDirectories.ensure(dir);
        }
    }

    /**
     * The job's log, created readable by the server's user only when it does not exist yet (a job
     * running as another user writes it through the descriptor it is started with).
     */
    Path privateLog(JobId id) throws IOException {
        prepare();
        Path log = logFile(id);
        try {
            Files.createFile(log, PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
        } catch (FileAlreadyExistsException earlierAttempt) {
            // later attempts append to the same log
        }
        return log;
    }

    Path logFile(JobId id) {
        return dir.resolve(id.value() + ".log");
    }

    Path pidFile(JobId id, int attempt) {
        return dir.resolve(id.value() + "." + attempt + ".pid");
    }

    Path exitFile(JobId id, int attempt) {
        return dir.resolve(id.value() + "." + attempt + ".exit");
    }

    /** Where a remote attempt's output starts in the job's log (written by {@link FileJobLogs#writeAttempt}). */
    Path attemptBaseFile(JobId id, int attempt) {
        return dir.resolve(id.value() + "." + attempt + ".base");
    }

    /** The whole number in {@code file}, or empty when it is missing or unreadable. */
    OptionalInt readInt(Path file) {
        OptionalLong value = readLong(file);
        return value.isPresent() && value.getAsLong() == (int) value.getAsLong()
                ? OptionalInt.of((int) value.getAsLong()) : OptionalInt.empty();
    }

    /** The whole number in {@code file}, or empty when it is missing or unreadable. */
    OptionalLong readLong(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Writes {@code text} to {@code file} readable by this user only, replacing it atomically. */
    void writePrivate(Path file, String text) throws IOException {
        prepare();
        Path temp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp",
                PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes every file of the job. */
    void delete(JobId id) {
        try (var files = Files.newDirectoryStream(dir, id.value() + ".*")) {
            for (Path file : files) {
                Files.deleteIfExists(file);
            }
        } catch (NoSuchFileException e) {
            // nothing to delete
        } catch (IOException e) {
            throw new StoreException("cannot delete the files of job " + id + " in " + dir + ": " + e.getMessage(), e);
        }
    }
}
