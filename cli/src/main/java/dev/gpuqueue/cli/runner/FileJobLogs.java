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

/** Job output from {@code logs/<job_id>.log}, read while the job still writes it. Thread-safe. */
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

    @Override
    public void delete(JobId id) {
        files.delete(id);
    }

    /** Whether the job has a log file yet. */
    public boolean exists(JobId id) {
        return Files.exists(files.logFile(id));
    }
}
