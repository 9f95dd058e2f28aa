package dev.gpuqueue.http;

import static dev.gpuqueue.core.model.JobStatus.CANCELLED;
import static dev.gpuqueue.core.model.JobStatus.COMPLETED;
import static dev.gpuqueue.core.model.JobStatus.FAILED;
import static dev.gpuqueue.core.model.JobStatus.PENDING;
import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter.MeterProvider;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The job meters of {@link QueueMetrics}, kept from events: jobs per status, queue depth, running
 * jobs per user and per team, GPUs held, and the job counters. It starts from a snapshot of the
 * store ({@link #reset}) and then applies each committed event ({@link #apply}); for a job that
 * starts running it reads that one job once (its user name, team and GPUs) and keeps them until the
 * job leaves running. Written by one thread (the metrics subscriber); the meters it feeds are read
 * by any scrape.
 */
final class MetricsJobCounts {
    /** The {@code team} label of jobs without a team. */
    static final String NO_TEAM = "";

    /** What a running job holds, as the gauges counted it. */
    private record Holder(String user, String team, int gpus) {}

    private final MeterRegistry registry;
    private final Function<JobId, Optional<Job>> jobs;
    private final Map<JobStatus, AtomicLong> byStatus = new EnumMap<>(JobStatus.class);
    private final AtomicLong gpusAllocated = new AtomicLong();
    private final Map<String, AtomicLong> byUser = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> byTeam = new ConcurrentHashMap<>();
    private final Map<JobId, Holder> running = new HashMap<>();
    private final Counter submitted;
    private final Counter dispatched;
    private final Counter completed;
    private final Counter cancelled;
    private final MeterProvider<Counter> failed;
    private final MeterProvider<Counter> requeued;

    /** Meters in {@code registry}; {@code jobs} reads one job (for a job that starts running). */
    MetricsJobCounts(MeterRegistry registry, Function<JobId, Optional<Job>> jobs) {
        this.registry = registry;
        this.jobs = jobs;
        for (JobStatus status : JobStatus.values()) {
            AtomicLong count = new AtomicLong();
            byStatus.put(status, count);
            Gauge.builder("gpuqueue.jobs", count, AtomicLong::doubleValue)
                    .description("Jobs per status, as stored")
                    .tag("status", status.wireName()).strongReference(true).register(registry);
        }
        Gauge.builder("gpuqueue.queue.depth", byStatus.get(PENDING), AtomicLong::doubleValue)
                .description("Pending jobs (waiting to be dispatched; blocked jobs not included)")
                .strongReference(true).register(registry);
        Gauge.builder("gpuqueue.gpus.allocated", gpusAllocated, AtomicLong::doubleValue)
                .description("Local GPUs held by running jobs").strongReference(true).register(registry);
        submitted = Counter.builder("gpuqueue.jobs.submitted").description("Jobs submitted").register(registry);
        dispatched = Counter.builder("gpuqueue.jobs.dispatched").description("Job attempts dispatched (pending to running)")
                .register(registry);
        completed = Counter.builder("gpuqueue.jobs.completed").description("Jobs completed (exit code 0)")
                .register(registry);
        cancelled = Counter.builder("gpuqueue.jobs.cancelled").description("Jobs cancelled").register(registry);
        failed = Counter.builder("gpuqueue.jobs.failed")
                .description("Jobs failed, by the event that failed them: failed, rejected, lost (no attempt left)")
                .withRegistry(registry);
        requeued = Counter.builder("gpuqueue.jobs.requeued")
                .description("Running jobs put back to pending, by event: requeued (launch failed), lost (runner vanished)")
                .withRegistry(registry);
    }

    /** Replaces the gauges' values by a snapshot: job counts per status and the running jobs. */
    void reset(Map<JobStatus, Long> counts, List<Job> runningJobs) {
        for (JobStatus status : JobStatus.values()) {
            byStatus.get(status).set(counts.getOrDefault(status, 0L));
        }
        running.clear();
        Map<String, Long> users = new HashMap<>();
        Map<String, Long> teams = new HashMap<>();
        long gpus = 0;
        for (Job job : runningJobs) {
            Holder holder = holder(job);
            running.put(job.id(), holder);
            users.merge(holder.user(), 1L, Long::sum);
            teams.merge(holder.team(), 1L, Long::sum);
            gpus += holder.gpus();
        }
        byUser.forEach((user, count) -> count.set(users.getOrDefault(user, 0L)));
        users.forEach((user, count) -> gauge(byUser, "gpuqueue.user.running.jobs", "user", user).set(count));
        byTeam.forEach((team, count) -> count.set(teams.getOrDefault(team, 0L)));
        teams.forEach((team, count) -> gauge(byTeam, "gpuqueue.team.running.jobs", "team", team).set(count));
        gpusAllocated.set(gpus);
    }

    /**
     * Applies one committed event: the counters always, the gauges only when {@code gauges} (false
     * for events a snapshot already holds). A job that starts running is read first, before anything
     * changes, so a failed read leaves the meters as they were.
     */
    void apply(QueueEvent event, boolean gauges) {
        if (!event.type().isJobEvent()) {
            return;
        }
        JobStatus from = event.from();
        JobStatus to = event.to();
        boolean moved = from != to;
        Holder starting = gauges && moved && to == RUNNING ? startingHolder(event) : null;
        count(event, moved);
        if (!gauges || !moved) {
            return;
        }
        if (from != null) {
            byStatus.get(from).decrementAndGet();
        }
        byStatus.get(to).incrementAndGet();
        if (from == RUNNING) {
            release(event.jobId());
        }
        if (starting != null) {
            release(event.jobId());
            running.put(event.jobId(), starting);
            gauge(byUser, "gpuqueue.user.running.jobs", "user", starting.user()).incrementAndGet();
            gauge(byTeam, "gpuqueue.team.running.jobs", "team", starting.team()).incrementAndGet();
            gpusAllocated.addAndGet(starting.gpus());
        }
    }

    private void count(QueueEvent event, boolean moved) {
        if (event.type() == QueueEvent.Type.SUBMITTED) {
            submitted.increment();
        }
        if (!moved) {
            return;
        }
        JobStatus to = event.to();
        if (to == RUNNING) {
            dispatched.increment();
        } else if (to == COMPLETED) {
            completed.increment();
        } else if (to == CANCELLED) {
            cancelled.increment();
        } else if (to == FAILED) {
            failed.withTags("event", event.type().wireName()).increment();
        } else if (to == PENDING && event.from() == RUNNING) {
            requeued.withTags("event", event.type().wireName()).increment();
        }
    }

    /** The job that starts running, read once; if it is gone, its user id stands for the name. */
    private Holder startingHolder(QueueEvent event) {
        return jobs.apply(event.jobId()).map(MetricsJobCounts::holder)
                .orElseGet(() -> new Holder(String.valueOf(event.userId()), NO_TEAM, 0));
    }

    private static Holder holder(Job job) {
        String team = job.teamId() == null ? NO_TEAM : job.teamId();
        // A job read after it left running again holds nothing any more; its next event releases it.
        int gpus = job.status() == RUNNING ? job.placement().gpus().size() : 0;
        return new Holder(job.submitter().userName(), team, gpus);
    }

    private void release(JobId id) {
        Holder holder = running.remove(id);
        if (holder != null) {
            gauge(byUser, "gpuqueue.user.running.jobs", "user", holder.user()).decrementAndGet();
            gauge(byTeam, "gpuqueue.team.running.jobs", "team", holder.team()).decrementAndGet();
            gpusAllocated.addAndGet(-holder.gpus());
        }
    }

    /** The value behind one labelled gauge, registered the first time its label value is seen (then kept, at 0 when idle). */
    private AtomicLong gauge(Map<String, AtomicLong> gauges, String name, String label, String value) {
        return gauges.computeIfAbsent(value, v -> {
            AtomicLong count = new AtomicLong();
            Gauge.builder(name, count, AtomicLong::doubleValue)
                    .description("Running jobs per " + label)
                    .tag(label, v).strongReference(true).register(registry);
            return count;
        });
    }

    /** Running jobs as counted (for tests and the log). */
    int runningCount() {
        return running.size();
    }
}
