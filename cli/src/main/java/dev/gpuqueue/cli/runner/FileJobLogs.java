package dev.gpuqueue.cli.runner;

import dev.gpuqueue.core.error.StoreUnavailableException;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.port.JobLogs;
import java.io.IOException;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * Job output in {@code logs/<job_id>.log}: read while the job still writes it, and written here for
 * attempts that run on remote workers. Thread-safe.
 */
public final class FileJobLogs implements JobLogs {
    private final JobFiles files;

    public FileJobLogs(Path logsDir) {
        this.files = new JobFiles(logsDir);
    }

    @Override
    public LogChunk read(JobId id, long offset, int maxBytes) {
        Path log = files.logFile(id);
        try (FileChannel channel = FileChannel.open(log, StandardOpenOption.READ)) {
            long size = channel.size();
            long from = Math.min(offset, size);
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(maxBytes, size - from));
            while (buffer.hasRemaining() && channel.read(buffer, from + buffer.position()) > 0) {
                // read until full or end of file
            }
            byte[] data = new byte[buffer.position()];
            buffer.flip().get(data);
            return new LogChunk(data, from + data.length, size);
        } catch (NoSuchFileException e) {
            return new LogChunk(new byte[0], 0, 0);
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot read the log of job " + id + " now ("
                    + ProcessJobRunner.withoutPaths(e.getMessage()) + ")", e);
        }
    }

    /**
     * Writes a remote attempt's output into the job's log: the attempt's output starts where the log
     * ended when its first chunk arrived (remembered in {@code <job_id>.<attempt>.base}), and each
     * chunk is written at its place there, so a chunk sent twice changes nothing and one that would
     * leave a gap is not written (the answer says where to resume).
     */
    @Override
    public synchronized long writeAttempt(JobId id, int attempt, long offset, byte[] data) {
        try {
            Path log = files.privateLog(id);
            try (FileChannel channel = FileChannel.open(log, StandardOpenOption.WRITE)) {
                long base = attemptBase(id, attempt, channel.size());
                long kept = channel.size() - base;
                if (offset > kept) {
                    return kept;
                }
                ByteBuffer buffer = ByteBuffer.wrap(data);
                while (buffer.hasRemaining()) {
                    channel.write(buffer, base + offset + buffer.position());
                }
                return Math.max(kept, offset + data.length);
            }
        } catch (IOException e) {
            throw new StoreUnavailableException("cannot write the log of job " + id + " now ("
                    + ProcessJobRunner.withoutPaths(e.getMessage()) + ")", e);
        }
    }

    /** Where the attempt's output starts in the log: recorded when its first chunk comes ({@code size} then). */
    private long attemptBase(JobId id, int attempt, long size) throws IOException {
        Path marker = files.attemptBaseFile(id, attempt);
        OptionalLong recorded = files.readLong(marker);
        if (recorded.isPresent()) {
            return recorded.getAsLong();
        }
        files.writePrivate(marker, Long.toString(size));
        return size;
    }

    @Override
    public void delete(JobId id) {
        files.delete(id);
    }

    /** Whether the job has a log file yet. */
    public boolean exists(JobId id) {
        return Files.exists(files.logFile(id));
    }
}
