package dev.gpuqueue.core.worker;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import java.util.Objects;

/** An attempt of a job, as a worker holds it (its lease): the job's id and the attempt number. Immutable. */
public record Held(JobId jobId, int attempt) {
    public Held {
        Objects.requireNonNull(jobId, "jobId");
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts start at 1, got " + attempt);
        }
    }

    public static Held of(Job job) {
        return new Held(job.id(), job.attempt());
    }

    @Override
    public String toString() {
        return jobId + " attempt " + attempt;
    }
}
