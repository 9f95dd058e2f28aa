package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.port.JobRunner;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The registered runners, by name: everything that starts, stops or probes a running job asks this
 * for the runner its placement names, instead of asking what kind of job it is. Immutable,
 * thread-safe.
 */
final class Runners {
    private final Map<String, JobRunner> byName = new TreeMap<>();
    private final Set<String> namedRunners;

    Runners(Collection<JobRunner> runners) {
        for (JobRunner runner : runners) {
            if (byName.putIfAbsent(runner.name(), runner) != null) {
                throw new IllegalArgumentException("two runners are named '" + runner.name() + "'");
            }
        }
        Set<String> named = new TreeSet<>(byName.keySet());
        named.remove(Placement.LOCAL);
        named.remove(Placement.WORKER);
        namedRunners = Collections.unmodifiableSet(named);
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

    /**
     * Refuses, at submit, a spec that names a runner this queue does not have, or one its runner
     * could never run.
     */
    void check(JobSpec spec) {
        if (spec.runner() == null) {
            return;
        }
        if (!namedRunners().contains(spec.runner())) {
            throw new ValidationException("the config asks for runner '" + spec.runner() + "', which this server does"
                    + " not run" + (namedRunners().isEmpty() ? "" : " (it runs: " + String.join(", ", namedRunners()) + ")")
                    + "; start the server with --" + spec.runner() + " to run such jobs");
        }
        byName.get(spec.runner()).check(spec);
    }

    /** The named runners that cannot take jobs now, with why. */
    Map<String, String> unavailable() {
        Map<String, String> reasons = new TreeMap<>();
        for (String name : namedRunners()) {
            byName.get(name).unavailable().ifPresent(why -> reasons.put(name, why));
        }
        return reasons;
    }

    /** The names a job may give as its runner (cloud providers): all but this machine's GPUs and the workers. */
    Set<String> namedRunners() {
        return namedRunners;
    }
}
