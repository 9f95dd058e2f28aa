package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.Job;
import java.util.List;

/** One page of jobs and how many match in all. Immutable. */
public record JobsPage(List<Job> jobs, long total) {
    public JobsPage {
        jobs = List.copyOf(jobs);
    }
}
