package dev.gpuqueue.core.port;

import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.model.Job;

/**
 * Hands cloud jobs ({@code job_type = cloud}) of one provider to that provider. The job's slot
 * counts as running until the listener hears a terminal outcome. Implementations are thread-safe.
 */
public interface Dispatcher {

    /** The provider name that cloud jobs carry, e.g. {@code replicate}. */
    String provider();

    /**
     * Submits the job's current attempt to the provider.
     *
     * @throws LaunchException when the provider refused it
     */
    void dispatch(Job job, AttemptListener listener);

    /** Cancels the job at the provider; returns once the provider confirmed or gave up. */
    void cancel(Job job);
}
