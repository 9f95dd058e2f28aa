package dev.gpuqueue.core.testing;

import dev.gpuqueue.core.port.CommitListener;
import dev.gpuqueue.core.port.JobReader;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.JobTransaction;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A {@link JobStore} whose writes can be made to fail, as a database whose lock is held elsewhere
 * or whose disk is full: while {@link #failWrites} is in force every unit of work that writes
 * throws the given exception and changes nothing; reads go on. Thread-safe.
 */
public final class FlakyJobStore implements JobStore {
    private final JobStore delegate;
    private final AtomicReference<Supplier<RuntimeException>> failure = new AtomicReference<>();
    private final AtomicInteger refused = new AtomicInteger();

    public FlakyJobStore(JobStore delegate) {
        this.delegate = delegate;
    }

    /** From now on, every write throws what {@code failure} makes. */
    public void failWrites(Supplier<RuntimeException> failure) {
        this.failure.set(failure);
    }

    /** Writes work again. */
    public void heal() {
        failure.set(null);
    }

    /** How many writes were refused so far. */
    public int refusedWrites() {
        return refused.get();
    }

    @Override
    public <T> T read(Function<JobReader, T> work) {
        return delegate.read(work);
    }

    @Override
    public void addCommitListener(CommitListener listener) {
        delegate.addCommitListener(listener);
    }

    @Override
    public <T> T inTransaction(Function<JobTransaction, T> work) {
        Supplier<RuntimeException> broken = failure.get();
        if (broken != null) {
            refused.incrementAndGet();
            throw broken.get();
        }
        return delegate.inTransaction(work);
    }
}
