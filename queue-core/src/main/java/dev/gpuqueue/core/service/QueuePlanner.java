package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.OnlineWorker;
import dev.gpuqueue.core.model.PendingReason;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.policy.DispatchOrder;
import dev.gpuqueue.core.policy.DispatchPlanner;
import dev.gpuqueue.core.policy.PassInput;
import dev.gpuqueue.core.policy.PassPlan;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.port.JobReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Plans from the smallest prefix of the dispatch order that decides the question, so a queue of
 * 100,000 pending jobs is not read whole for every pass or position. A plan over a prefix is exact
 * for that prefix (a job's fate depends only on the jobs ahead of it); once the plan is saturated
 * (global limit reached, or local placement blocked with no other runner to take a job), no later
 * job can start and each later job's reason follows from the plan's final state. Stateless.
 */
final class QueuePlanner {
    static final int FIRST_PREFIX = 16;

    private final GpuInventory gpus;
    private final Set<String> namedRunners;
    private final Supplier<Map<String, String>> unavailableRunners;
    private final Supplier<List<OnlineWorker>> workers;

    /**
     * {@code namedRunners}: the runners jobs may name (cloud providers), besides this machine's GPUs
     * and workers; {@code unavailableRunners}: those that cannot take jobs now, with why;
     * {@code workers}: the remote workers online now.
     */
    QueuePlanner(GpuInventory gpus, Set<String> namedRunners, Supplier<Map<String, String>> unavailableRunners,
            Supplier<List<OnlineWorker>> workers) {
        this.gpus = gpus;
        this.namedRunners = Set.copyOf(namedRunners);
        this.unavailableRunners = unavailableRunners;
        this.workers = workers;
    }

    /** What a pass decides now. */
    PassPlan planPass(JobReader reader, Instant now) {
        QueueSettings settings = reader.settings();
        List<Job> running = reader.withStatus(RUNNING);
        List<OnlineWorker> online = workers.get();
        int limit = FIRST_PREFIX;
        while (true) {
            List<Job> prefix = reader.pendingInDispatchOrder(settings, now, limit);
            PassPlan plan = DispatchPlanner.plan(input(reader, prefix, running, online, settings, now));
            if (prefix.size() < limit || plan.tail().saturated()) {
                return plan;
            }
            limit = grow(limit, Integer.MAX_VALUE);
        }
    }

    /** The entries of the first {@code count} pending jobs, in dispatch order. */
    List<QueueEntry> firstEntries(JobReader reader, Instant now, int count) {
        QueueSettings settings = reader.settings();
        List<Job> prefix = reader.pendingInDispatchOrder(settings, now, count);
        return DispatchPlanner.plan(input(reader, prefix, reader.withStatus(RUNNING), workers.get(), settings, now))
                .entries();
    }

    /** Entries and would-be placements of some pending jobs, and of an unstored {@code extra} when given. */
    record Decided(Map<JobId, QueueEntry> entries, Map<JobId, Placement> starts) {}

    /**
     * Decides {@code jobs} (pending jobs, any positions) and {@code extra} (a hypothetical pending
     * job, or null) from the smallest prefix that settles each of them.
     */
    Decided decide(JobReader reader, Instant now, List<Job> jobs, Job extra) {
        QueueSettings settings = reader.settings();
        List<Job> running = reader.withStatus(RUNNING);
        List<OnlineWorker> online = workers.get();
        Map<JobId, Integer> positions = new LinkedHashMap<>();
        List<Job> targets = new ArrayList<>(jobs);
        if (extra != null) {
            targets.add(extra);
        }
        int deepest = 1;
        for (Job job : targets) {
            int position = (int) Math.min(Integer.MAX_VALUE - 1, reader.countPendingAhead(job, settings, now) + 1);
            positions.put(job.id(), position);
            deepest = Math.max(deepest, position);
        }
        int limit = Math.min(deepest, FIRST_PREFIX);
        while (true) {
            List<Job> prefix = new ArrayList<>(reader.pendingInDispatchOrder(settings, now, limit));
            boolean exhausted = prefix.size() < limit;
            if (extra != null && positions.get(extra.id()) <= prefix.size() + 1) {
                prefix.add(extra);
            }
            PassInput input = input(reader, prefix, running, online, settings, now);
            PassPlan plan = DispatchPlanner.plan(input);
            Map<JobId, QueueEntry> planned = new HashMap<>();
            plan.entries().forEach(e -> planned.put(e.job().id(), e));
            Map<JobId, QueueEntry> entries = new LinkedHashMap<>();
            for (Job job : targets) {
                QueueEntry entry = planned.get(job.id());
                PendingReason beyond = entry == null ? DispatchPlanner.reasonBeyond(job, plan) : null;
                if (entry != null) {
                    entries.put(job.id(), entry);
                } else if (beyond != null || exhausted) {
                    entries.put(job.id(), new QueueEntry(job, DispatchOrder.effectivePriority(job, settings, now),
                            positions.get(job.id()), beyond));
                }
            }
            if (entries.size() == targets.size() || limit >= deepest) {
                Map<JobId, Placement> starts = new HashMap<>();
                plan.starts().forEach(s -> starts.put(s.job().id(), s.placement()));
                return new Decided(entries, starts);
            }
            limit = grow(limit, deepest);
        }
    }

    private PassInput input(JobReader reader, List<Job> pending, List<Job> running, List<OnlineWorker> online,
            QueueSettings settings, Instant now) {
        boolean namedPending = !namedRunners.isEmpty() && reader.countPendingWithNamedRunner() > 0;
        Map<String, String> unavailable = namedPending ? unavailableRunners.get() : Map.of();
        return new PassInput(pending, running, settings, gpus.indices(), namedRunners, unavailable, namedPending, online,
                now, settings.enableBackfill() ? reader.shortestPendingLocalTimeLimit() : null);
    }

    private static int grow(int limit, int cap) {
        return (int) Math.min((long) limit * 4, cap);
    }
}
