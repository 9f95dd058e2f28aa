package dev.gpuqueue.core.port;

import java.util.function.Function;

/**
 * Durable home of jobs, their events and the queue settings. Implementations are thread-safe.
 *
 * <p>Every read and write happens inside a unit of work. {@link #inTransaction} units are
 * serialized against each other and atomic: either every write of the work commits, or (when the
 * work throws) none does. That is what lets a submit or a scheduling pass count limits and write
 * its decisions without a stale read.
 */
public interface JobStore {

    /** Runs read-only {@code work} on a consistent view of the store. */
    <T> T read(Function<JobReader, T> work);

    /**
     * Runs {@code work} as one atomic, serialized unit of work. An exception thrown by {@code work}
     * rolls back every write it made and is rethrown unchanged.
     */
    <T> T inTransaction(Function<JobTransaction, T> work);

    /**
     * Registers a listener for the events of every later commit ({@link CommitListener}: in commit
     * order, after the commit).
     */
    void addCommitListener(CommitListener listener);

    /**
     * Whether the store can be written now: the outcome of the last write, and what the store can
     * check at once. Never waits for a connection or a lock, so a health check answers at once.
     */
    default StoreHealth health() {
        return StoreHealth.OK;
    }
}
