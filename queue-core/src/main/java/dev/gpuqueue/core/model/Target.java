package dev.gpuqueue.core.model;

/** Where a job may run: a remote worker, the local GPUs, or either ({@code auto}). Immutable. */
public enum Target {
    AUTO,
    WORKER,
    LOCAL;

    public String wireName() {
        return WireNames.of(this);
    }

    /** Parses {@code auto|worker|local}, case-insensitive. */
    public static Target parse(String text) {
        return WireNames.parse(Target.class, "target", text);
    }
}
