package dev.gpuqueue.core.port;

import dev.gpuqueue.core.model.JobId;

/** The output of jobs, by job id. Implementations are thread-safe. */
public interface JobLogs {

    /**
     * Up to {@code maxBytes} of the job's log from byte {@code offset}; an offset past the end gives
     * an empty chunk with {@code nextOffset} = the current size.
     */
    LogChunk read(JobId id, long offset, int maxBytes);

    /**
     * Keeps output that a remote runner sent for one attempt of the job: {@code data} belongs at byte
     * {@code offset} of that attempt's output, which follows the job's earlier output in its log.
     * Writing the same bytes again is harmless; a chunk that would leave a gap is not written.
     * Returns how many bytes of the attempt's output are kept (where the next chunk starts).
     */
    long writeAttempt(JobId id, int attempt, long offset, byte[] data);

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
            public long writeAttempt(JobId id, int attempt, long offset, byte[] data) {
                return offset + data.length;
            }

            @Override
            public void delete(JobId id) {}
        };
    }
}
