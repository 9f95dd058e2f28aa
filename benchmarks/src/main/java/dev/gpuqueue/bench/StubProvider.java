package dev.gpuqueue.bench;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.AttemptState;
import dev.gpuqueue.core.port.JobRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A cloud provider that accepts every job at once and runs nothing: the workloads measure the queue,
 * not a runner. {@link #finishAll()} reports every attempt it holds as succeeded. Thread-safe.
 */
final class StubProvider implements JobRunner {
    static final String NAME = "stub";

    private record Attempt(Job job, AttemptListener listener) {}

    private final Map<JobId, Attempt> running = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<ProcessRef> start(Job job, AttemptListener listener) {
        running.put(job.id(), new Attempt(job, listener));
        return Optional.empty();
    }

    @Override
    public void resume(Job job, AttemptListener listener) {
        running.put(job.id(), new Attempt(job, listener));
    }

    @Override
    public CompletableFuture<Void> stop(Job job, Duration grace) {
        running.remove(job.id());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public AttemptState probe(Job job) {
        return AttemptState.RUNNING;
    }

    /** Reports success for every attempt held now (each report is followed by the queue's pass); returns how many. */
    int finishAll() {
        List<Attempt> attempts = new ArrayList<>(running.values());
        for (Attempt attempt : attempts) {
            running.remove(attempt.job().id());
            attempt.listener().attemptEnded(attempt.job().id(), attempt.job().attempt(), AttemptOutcome.succeeded());
        }
        return attempts.size();
    }

    int runningCount() {
        return running.size();
    }
}
