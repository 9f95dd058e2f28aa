package dev.gpuqueue.core.port;

import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.ProcessRef;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Runs local jobs. The standalone server's launcher starts processes; an embedding trainer supplies
 * its own. Implementations are thread-safe.
 */
public interface JobLauncher {

    /**
     * Starts {@code job}'s current attempt on {@code job.placement()} and returns its process, if it
     * has one. {@code listener} hears the attempt's end exactly once, possibly before this returns.
     *
     * @throws LaunchException when the attempt could not be started
     */
    Optional<ProcessRef> launch(Job job, AttemptListener listener);

    /** Watches an attempt that was started before a restart and found alive; reports to {@code listener}. */
    void adopt(Job job, AttemptListener listener);

    /**
     * Stops the job's current attempt: a polite signal, up to {@code grace} to exit, then a forced
     * one. Returns once the attempt is gone; does nothing when it already ended or is unknown.
     */
    void stop(Job job, Duration grace);

    /**
     * Whether the attempt's process still runs (same pid and start time, never a recycled pid). The
     * scheduler's tick asks this of every running job whose launch returned a process, and records
     * the end of one that is no longer alive; a launcher that returns no process is never asked
     * during a run (only at recovery).
     */
    boolean isAlive(Job job);

    /** The exit code recorded outside the server for the job's current attempt, once it ended. */
    OptionalInt recordedExitCode(Job job);
}
