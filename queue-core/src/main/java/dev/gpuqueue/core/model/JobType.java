package dev.gpuqueue.core.model;

/**
 * What runs the job: the server's own GPUs or a worker ({@code local}), or a cloud provider's
 * runner ({@code cloud}, created only through the embedding API). Immutable.
 */
public enum JobType {
    LOCAL,
    CLOUD;

    public String wireName() {
        return WireNames.of(this);
    }

    public static JobType parse(String text) {
        return WireNames.parse(JobType.class, "job type", text);
    }
}
