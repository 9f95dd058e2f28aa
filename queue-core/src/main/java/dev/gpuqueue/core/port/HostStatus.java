package dev.gpuqueue.core.port;

/** Load and memory of the machine the server runs on. Implementations are thread-safe. */
public interface HostStatus {

    /** A fresh sample; a figure the platform cannot report is null. */
    HostMetrics sample();

    /** Host figures for {@code /api/system/status}. Immutable. */
    record HostMetrics(Double loadAverage5Min, Double memoryPercent) {}

    /** Reports nothing (for embedders that do not need it). */
    static HostStatus unknown() {
        return () -> new HostMetrics(null, null);
    }
}
