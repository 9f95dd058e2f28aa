package dev.gpuqueue.core.port;

import dev.gpuqueue.core.model.JobId;

/** The output of jobs, by job id. Implementations are thread-safe. */
public interface JobLogs {

    /**
     * Up to {@code maxBytes} of the job's log from byte {@code offset}; an offset past the end gives
     * an empty chunk with {@code nextOffset} = the current size.
     */
    LogChunk read(JobId id, long offset, int maxBytes);

    /** Deletes every log file of the job; a job without logs is fine. */
    void delete(JobId id);

    /** A piece of a log, and the offset to continue from. Immutable. */
    record LogChunk(byte[] data, long nextOffset, long size) {}

    /** No logs anywhere (for embedders that keep output elsewhere). */
    static JobLogs none() {
        return new JobLogs() {
            @Override
            public LogChunk read(JobId id, long offset, int maxBytes) {
                return new LogChunk(new byte[0], 0, 0);
            }

            @Override
            public void delete(JobId id) {}
        };
    }
}
