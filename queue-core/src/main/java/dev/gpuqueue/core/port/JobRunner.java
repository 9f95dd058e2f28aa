package dev.gpuqueue.core.port;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.ProcessRef;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Runs jobs placed on it: the server's process runner for this machine's GPUs, a trainer's own
 * code, a cloud provider, a cluster. The scheduler finds a running job's runner by
 * {@code job.placement().runner()} and asks it to start, stop, watch and probe the job's current
 * attempt; the runner reports each attempt's end to the {@link AttemptListener}, whose attempt
 * number is the lease. Implementations are thread-safe.
 */
public interface JobRunner {

    /** The name jobs placed on this runner carry ({@code Placement.runner()}): "local", a provider's name, ... */
    String name();

    /**
     * Starts {@code job}'s current attempt on {@code job.placement()}; returns its process when it
     * has one the runner can probe later. {@code listener} hears the attempt's end exactly once,
     * possibly before this returns.
     *
     * @throws dev.gpuqueue.core.error.LaunchException when the attempt could not be started
     */
    Optional<ProcessRef> start(Job job, AttemptListener listener);

    /** After a restart: watches an attempt that {@link #probe} found running, reporting its end. */
    void resume(Job job, AttemptListener listener);

    /**
     * Stops the job's current attempt: a polite signal, up to {@code grace} to finish, then a forced
     * stop. The future completes once nothing of the attempt runs; a remote runner may complete it
     * later, when the remote side confirms. Stopping an attempt that already ended completes at once.
     */
    CompletableFuture<Void> stop(Job job, Duration grace);

    /**
     * Where the attempt stands now (for recovery, and for the tick's check of running jobs whose start
     * returned a process). {@code GONE} means the runner knows nothing of it runs anywhere and it left
     * no exit code: the job is then requeued, so a runner that cannot tell (a provider it cannot reach)
     * must answer {@code RUNNING} and report later, never {@code GONE}.
     */
    AttemptState probe(Job job);

    /**
     * Refuses, at submit, a spec this runner could never run (a required field of its section
     * missing, say), naming what to fix. Runners that take any spec keep the default.
     *
     * @throws dev.gpuqueue.core.error.ValidationException naming what is wrong
     * @throws dev.gpuqueue.core.error.RunnerUnavailableException when the runner cannot take jobs now
     */
    default void check(JobSpec spec) {}

    /**
     * Why this runner cannot start jobs now (its cluster cannot be reached, say), or empty when it
     * can; jobs for it then wait with this reason instead of failing their start. Called on every
     * scheduling pass: answer from what is known, never block.
     */
    default Optional<String> unavailable() {
        return Optional.empty();
    }
}
