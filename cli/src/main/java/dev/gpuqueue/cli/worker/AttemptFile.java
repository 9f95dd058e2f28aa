package dev.gpuqueue.cli.worker;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuqueue.core.error.StoreException;
import dev.gpuqueue.http.ApiJson;
import dev.gpuqueue.http.WorkerDtos.RunDto;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@code <home>/attempt.json}: the attempt this worker runs, kept until its end has been reported,
 * so a restarted worker finds it (and, through the runner's pid and exit files, how it stands).
 * Written atomically, readable by the worker's user only. Not thread-safe (the agent's loop owns it).
 */
final class AttemptFile {
    /** What the file holds: the assignment as received, the GPUs it got here, its process, where its log began. */
    record Saved(RunDto run, List<Integer> gpus, Long pid, Instant processStartedAt, long logStart) {}

    private final ObjectMapper json = ApiJson.mapper().copy().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final Path file;

    AttemptFile(Path home) {
        this.file = home.resolve("attempt.json");
    }

    Optional<Saved> read() {
        try {
            return Optional.of(json.readValue(Files.readString(file, StandardCharsets.UTF_8), Saved.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    void write(Saved saved) {
        try {
            Path temp = Files.createTempFile(file.getParent(), "attempt", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temp, json.writeValueAsString(saved), StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StoreException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StoreException("cannot delete " + file + ": " + e.getMessage(), e);
        }
    }
}
