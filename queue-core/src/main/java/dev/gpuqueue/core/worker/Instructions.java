package dev.gpuqueue.core.worker;

import dev.gpuqueue.core.model.Job;

/**
 * What a worker must do now, given what it said it runs: stop an attempt it should no longer run
 * ({@code stop}), and run the attempt assigned to it ({@code run}, the job as dispatched, with its
 * config). Both may be null; a worker that still runs something else stops it before it starts the
 * new one. Immutable.
 */
public record Instructions(Job run, Held stop) {
    public static final Instructions NONE = new Instructions(null, null);

    public boolean isEmpty() {
        return run == null && stop == null;
    }
}
