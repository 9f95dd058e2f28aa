package dev.gpuqueue.core.model;

import java.time.Instant;

/**
 * The operating-system process of a running attempt: pid plus its start time, so a recycled pid
 * is never mistaken for the job after a restart. The start time may be null where the OS does not
 * report it. Immutable.
 */
public record ProcessRef(long pid, Instant startTime) {
    public ProcessRef {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be > 0, got " + pid);
        }
    }
}
