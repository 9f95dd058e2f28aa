package dev.gpuqueue.core.model;

/**
 * Where a remote worker stands: {@code connecting} (created, or the orchestrator restarted, and not
 * heard from yet), {@code idle}, {@code busy} (runs a job), {@code draining} (takes no new job),
 * {@code offline} (no sign of life within the timeout). Immutable.
 */
public enum WorkerStatus {
    CONNECTING,
    IDLE,
    BUSY,
    DRAINING,
    OFFLINE;

    public String wireName() {
        return WireNames.of(this);
    }

    /** Parses a status word, case-insensitive. */
    public static WorkerStatus parse(String text) {
        return WireNames.parse(WorkerStatus.class, "worker status", text);
    }
}
