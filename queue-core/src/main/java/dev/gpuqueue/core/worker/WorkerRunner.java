package dev.gpuqueue.core.worker;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptState;
import dev.gpuqueue.core.port.JobRunner;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The {@value Placement#WORKER} runner: a job placed on a worker is started by assigning it to that
 * worker in the {@link WorkerHub} (the worker picks it up with its next poll), stopped by telling
 * the worker (the stop completes when the worker reports the end, or goes offline), and its end
 * arrives as the worker's report. It never answers {@code GONE}: a worker that vanished is declared
 * offline by the hub, which gives its attempt up. Thread-safe.
 */
public final class WorkerRunner implements JobRunner {
    private final WorkerHub hub;

    WorkerRunner(WorkerHub hub) {
        this.hub = hub;
    }

    @Override
    public String name() {
        return Placement.WORKER;
    }

    /** Assigns the attempt to its worker; there is no process here to probe. */
    @Override
    public Optional<ProcessRef> start(Job job, AttemptListener listener) {
        hub.assign(job, listener, false);
        return Optional.empty();
    }

    /** After the orchestrator restarted: the worker reports the attempt when it reconnects, or times out. */
    @Override
    public void resume(Job job, AttemptListener listener) {
        hub.assign(job, listener, true);
    }

    /** Tells the worker to stop the attempt (it uses its own grace); completes when it confirms. */
    @Override
    public CompletableFuture<Void> stop(Job job, Duration grace) {
        return hub.requestStop(job);
    }

    /** Running until the worker reports otherwise, or the hub declares it offline. */
    @Override
    public AttemptState probe(Job job) {
        return AttemptState.RUNNING;
    }
}
