package dev.gpuqueue.core.policy;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.OnlineWorker;
import dev.gpuqueue.core.model.QueueSettings;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Everything one scheduling pass decides from: the pending jobs (all, or a prefix of the dispatch
 * order) and the running jobs, read in the same transaction that will commit the decisions; the
 * settings; the installed GPU indices; the names of the registered runners, and those of them that
 * cannot take jobs now with why; whether any pending job
 * names its runner (a cloud job: so a plan over a prefix knows whether one could start behind a
 * blocked local head); the remote workers online now; {@code now}; and the shortest
 * {@code max_runtime_seconds} among pending local jobs (null: none has one), so a plan over a prefix
 * knows whether a job behind it could still be backfilled. Immutable.
 */
public record PassInput(
        List<Job> pending,
        List<Job> running,
        QueueSettings settings,
        SortedSet<Integer> gpus,
        Set<String> runners,
        Map<String, String> unavailableRunners,
        boolean namedRunnerJobsPending,
        List<OnlineWorker> workers,
        Instant now,
        Long shortestLocalTimeLimit) {

    public PassInput {
        pending = List.copyOf(pending);
        running = List.copyOf(running);
        Objects.requireNonNull(settings, "settings");
        gpus = Collections.unmodifiableSortedSet(new TreeSet<>(gpus));
        runners = Set.copyOf(runners);
        unavailableRunners = Map.copyOf(unavailableRunners);
        workers = List.copyOf(workers);
        Objects.requireNonNull(now, "now");
    }

    /** An input that says nothing of pending jobs' time limits (a plan over every pending job needs none). */
    public PassInput(List<Job> pending, List<Job> running, QueueSettings settings, SortedSet<Integer> gpus,
            Set<String> runners, Map<String, String> unavailableRunners, boolean namedRunnerJobsPending,
            List<OnlineWorker> workers, Instant now) {
        this(pending, running, settings, gpus, runners, unavailableRunners, namedRunnerJobsPending, workers, now, null);
    }

    /** A pass over jobs for this machine's GPUs only (no other runner, no worker). */
    public static PassInput of(
            Collection<Job> pending, Collection<Job> running, QueueSettings settings, Collection<Integer> gpus,
            Instant now) {
        return new PassInput(List.copyOf(pending), List.copyOf(running), settings, new TreeSet<>(gpus), Set.of(), Map.of(), false,
                List.of(), now);
    }
}
