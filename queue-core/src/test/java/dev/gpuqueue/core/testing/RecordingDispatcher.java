package dev.gpuqueue.core.testing;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.Dispatcher;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A cloud dispatcher for one provider that records dispatches and lets tests report outcomes. Thread-safe. */
public final class RecordingDispatcher implements Dispatcher {
    private final String provider;
    private final Map<JobId, Job> dispatched = new ConcurrentHashMap<>();
    private final Map<JobId, AttemptListener> listeners = new ConcurrentHashMap<>();
    private final List<JobId> cancelled = Collections.synchronizedList(new ArrayList<>());

    public RecordingDispatcher(String provider) {
        this.provider = provider;
    }

    @Override
    public String provider() {
        return provider;
    }

    @Override
    public void dispatch(Job job, AttemptListener listener) {
        dispatched.put(job.id(), job);
        listeners.put(job.id(), listener);
    }

    @Override
    public void cancel(Job job) {
        cancelled.add(job.id());
    }

    /** The provider reports the job's outcome. */
    public void report(JobId id, AttemptOutcome outcome) {
        listeners.get(id).attemptEnded(id, dispatched.get(id).attempt(), outcome);
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
