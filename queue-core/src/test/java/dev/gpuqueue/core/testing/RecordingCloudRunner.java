package dev.gpuqueue.core.testing;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.AttemptState;
import dev.gpuqueue.core.port.JobRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The runner of one cloud provider: records what it was handed and lets tests report outcomes.
 * Its stops complete when the test confirms them ({@link #confirmStops}, on by default), as a
 * provider that confirms asynchronously would. A job it does not know is, as far as it can tell,
 * still running at the provider. Thread-safe.
 */
public final class RecordingCloudRunner implements JobRunner {
    private final String provider;
    private final Map<JobId, Job> dispatched = new ConcurrentHashMap<>();
    private final Map<JobId, AttemptListener> listeners = new ConcurrentHashMap<>();
    private final List<JobId> cancelled = Collections.synchronizedList(new ArrayList<>());
    private final Map<JobId, CompletableFuture<Void>> unconfirmed = new ConcurrentHashMap<>();
    private volatile boolean confirmStops = true;

    public RecordingCloudRunner(String provider) {
        this.provider = provider;
    }

    @Override
    public String name() {
        return provider;
    }

    @Override
    public Optional<ProcessRef> start(Job job, AttemptListener listener) {
        dispatched.put(job.id(), job);
        listeners.put(job.id(), listener);
        return Optional.empty();
    }

    @Override
    public void resume(Job job, AttemptListener listener) {
        dispatched.put(job.id(), job);
        listeners.put(job.id(), listener);
    }

    @Override
    public CompletableFuture<Void> stop(Job job, Duration grace) {
        cancelled.add(job.id());
        if (confirmStops) {
            return CompletableFuture.completedFuture(null);
        }
        return unconfirmed.computeIfAbsent(job.id(), id -> new CompletableFuture<>());
    }

    @Override
    public AttemptState probe(Job job) {
        return AttemptState.RUNNING;
    }

    /** The provider reports the job's outcome. */
    public void report(JobId id, AttemptOutcome outcome) {
        listeners.get(id).attemptEnded(id, dispatched.get(id).attempt(), outcome);
    }

    /** Whether stops complete at once (default) or wait for {@link #confirmStop}. */
    public void confirmStops(boolean atOnce) {
        confirmStops = atOnce;
    }

    /** The provider confirms, late, that the job is stopped. */
    public void confirmStop(JobId id) {
        unconfirmed.remove(id).complete(null);
    }

    public boolean wasDispatched(JobId id) {
        return dispatched.containsKey(id);
    }

    public List<JobId> cancelled() {
        synchronized (cancelled) {
            return List.copyOf(cancelled);
        }
    }
}
