package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.port.JobRunner;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The registered runners, by name: everything that starts, stops or probes a running job asks this
 * for the runner its placement names, instead of asking what kind of job it is. Immutable,
 * thread-safe.
 */
final class Runners {
    private final Map<String, JobRunner> byName = new TreeMap<>();

    Runners(Collection<JobRunner> runners) {
        for (JobRunner runner : runners) {
            if (byName.putIfAbsent(runner.name(), runner) != null) {
                throw new IllegalArgumentException("two runners are named '" + runner.name() + "'");
            }
        }
    }

    Optional<JobRunner> find(String name) {
        return Optional.ofNullable(name == null ? null : byName.get(name));
    }

    /**
     * The runner of a running job.
     *
     * @throws LaunchException when no runner by the name its placement gives is registered
     */
    JobRunner of(Job job) {
        return find(job.placement().runner()).orElseThrow(() -> new LaunchException(
                "no runner named '" + job.placement().runner() + "' is registered"));
    }

    /** The names a job may give as its runner (cloud providers): all but this machine's GPUs and the workers. */
    Set<String> namedRunners() {
        return byName.keySet().stream().filter(name -> !name.equals(Placement.LOCAL) && !name.equals(Placement.WORKER))
                .collect(Collectors.toUnmodifiableSet());
    }
}
