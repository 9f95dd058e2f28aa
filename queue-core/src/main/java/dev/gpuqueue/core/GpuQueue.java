package dev.gpuqueue.core;

import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.memory.InMemoryWorkerRegistry;
import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptState;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.port.JobConfigs;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.port.JobRunner;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.WorkerRegistry;
import dev.gpuqueue.core.service.EventStream;
import dev.gpuqueue.core.service.QueueCore;
import dev.gpuqueue.core.service.QueueService;
import dev.gpuqueue.core.service.Reconciler;
import dev.gpuqueue.core.service.Scheduler;
import dev.gpuqueue.core.worker.WorkerHub;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An assembled queue, for embedders and the standalone server alike: a {@link QueueService} to
 * submit, cancel, approve and inspect, a {@link Scheduler} that runs in the background
 * ({@link #start()}) or one pass at a time ({@code scheduler().runOnce()}), and the
 * {@link EventStream} of everything that changes. Jobs run on the {@link JobRunner}s registered
 * with the builder: {@value Placement#LOCAL} for this machine's GPUs, one per cloud provider.
 * Thread-safe.
 *
 * <pre>{@code
 * try (GpuQueue queue = GpuQueue.builder().gpuCount(4).runner(myRunner).build().start()) {
 *     SubmitResult r = queue.service().submit(caller, SubmitRequest.builder("train").spec(spec).build());
 * }
 * }</pre>
 */
public final class GpuQueue implements AutoCloseable {
    private final JobStore store;
    private final QueueCore core;
    private final WorkerHub workers;
    private final Lifecycle lifecycle = new Lifecycle();

    private GpuQueue(JobStore store, QueueCore core, WorkerHub workers) {
        this.store = store;
        this.core = core;
        this.workers = workers;
        workers.onAssignable(core.scheduler()::runOnce);
    }

    public static Builder builder() {
        return new Builder();
    }

    public QueueService service() {
        return core.service();
    }

    public Scheduler scheduler() {
        return core.scheduler();
    }

    /** Every committed change, with ids, from any event id on. */
    public EventStream events() {
        return core.events();
    }

    public JobStore store() {
        return store;
    }

    /** The remote workers: who is online, what each runs, their reports ({@code gpuqueue worker} talks to it). */
    public WorkerHub workers() {
        return workers;
    }

    /** Recovers jobs left running by an earlier process, runs a pass, then starts the background loop. */
    public GpuQueue start() {
        startIn(lifecycle);
        return this;
    }

    /**
     * Starts the queue's parts in {@code parts} (recovery, the workers' liveness checks, then the
     * scheduler loop), after whatever it started before (the database), so that stopping it stops the
     * loop first; returns what recovery found.
     */
    public Reconciler.Report startIn(Lifecycle parts) {
        Reconciler.Report report = parts.start("recovery", this::recover, done -> {});
        parts.start("worker hub", workers::start, workers::stop);
        parts.start("scheduler loop", scheduler()::start, scheduler()::stop);
        return report;
    }

    /** Recovers jobs left running by an earlier process and runs a pass, without starting the loop. */
    public Reconciler.Report recover() {
        return core.reconciler().reconcile();
    }

    /** Stops the background loop (when {@link #start()} started it); running jobs keep running. */
    @Override
    public void close() {
        lifecycle.close();
        scheduler().stop();
        workers.stop();
    }

    /** Assembles a {@link GpuQueue}; every part has a default. Not thread-safe. */
    public static final class Builder {
        private JobStore store;
        private GpuInventory gpus = GpuInventory.none();
        private final Map<String, JobRunner> runners = new LinkedHashMap<>();
        private JobConfigs configs = JobConfigs.of(Map.of());
        private JobLogs logs = JobLogs.none();
        private Clock clock = Clock.systemUTC();
        private Duration interval = Scheduler.DEFAULT_INTERVAL;
        private Duration stopGrace = Scheduler.DEFAULT_STOP_GRACE;
        private Duration stopConfirmWait = Scheduler.DEFAULT_STOP_CONFIRM_WAIT;
        private int eventBuffer = EventStream.DEFAULT_BUFFER;
        private WorkerRegistry workerRegistry;
        private Duration workerTimeout = WorkerHub.DEFAULT_OFFLINE_AFTER;

        private Builder() {
            runner(NoLocalRunner.INSTANCE);
        }

        /** Where jobs live; default: a new {@link InMemoryJobStore}. */
        public Builder store(JobStore store) { this.store = Objects.requireNonNull(store); return this; }

        /** The local GPUs; default: none. */
        public Builder gpus(GpuInventory gpus) { this.gpus = Objects.requireNonNull(gpus); return this; }

        /** {@code count} identical GPUs with indices 0..count-1, for embedders that manage devices themselves. */
        public Builder gpuCount(int count) {
            List<GpuDevice> devices = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                devices.add(new GpuDevice(i, "GPU-" + i, null, "GPU " + i, 0, 0, null, null, null));
            }
            return gpus(GpuInventory.fixed("static", devices));
        }

        /**
         * Registers a runner under its {@link JobRunner#name() name}, replacing one of the same name:
         * {@value Placement#LOCAL} runs jobs on this machine's GPUs (default: none, so local jobs fail
         * to start with a clear message); any other name runs the cloud jobs of that provider.
         */
        public Builder runner(JobRunner runner) {
            runners.put(runner.name(), Objects.requireNonNull(runner));
            return this;
        }

        /** Named job configs; default: none (submit with {@code SubmitRequest.spec}). */
        public Builder configs(JobConfigs configs) { this.configs = Objects.requireNonNull(configs); return this; }

        /** Named job configs from a map. */
        public Builder configs(Map<String, JobSpec> configs) { return configs(JobConfigs.of(configs)); }

        /** Where job output is read, and where remote workers' output is kept; default: nowhere. */
        public Builder logs(JobLogs logs) { this.logs = Objects.requireNonNull(logs); return this; }

        /** The remote workers admins created; default: a new in-memory registry. */
        public Builder workers(WorkerRegistry registry) { this.workerRegistry = Objects.requireNonNull(registry); return this; }

        /** How long a worker may stay silent before it is offline and its job requeued; default 120 s. */
        public Builder workerTimeout(Duration timeout) { this.workerTimeout = Objects.requireNonNull(timeout); return this; }

        public Builder clock(Clock clock) { this.clock = Objects.requireNonNull(clock); return this; }

        /** How often the background loop runs a pass; default 5 s. */
        public Builder schedulerInterval(Duration interval) { this.interval = Objects.requireNonNull(interval); return this; }

        /** How long a stopped job gets between the polite and the forced signal; default 10 s. */
        public Builder stopGrace(Duration grace) { this.stopGrace = Objects.requireNonNull(grace); return this; }

        /**
         * How long a cancel waits, beyond the grace, for a runner that confirms stops later (a remote
         * one) before answering that the stop is not confirmed yet; default 30 s. The end is recorded
         * once it confirms.
         */
        public Builder stopConfirmWait(Duration wait) { this.stopConfirmWait = Objects.requireNonNull(wait); return this; }

        /** How many live events a subscriber may fall behind before it is told it lagged; default 10,000. */
        public Builder eventBuffer(int events) { this.eventBuffer = events; return this; }

        public GpuQueue build() {
            JobStore chosen = store != null ? store : new InMemoryJobStore();
            WorkerHub hub = new WorkerHub(workerRegistry != null ? workerRegistry : new InMemoryWorkerRegistry(), chosen,
                    logs, clock, workerTimeout);
            Map<String, JobRunner> all = new LinkedHashMap<>(runners);
            all.putIfAbsent(hub.runner().name(), hub.runner());
            return new GpuQueue(chosen, QueueCore.assemble(new QueueCore.Parts(chosen, gpus, List.copyOf(all.values()),
                    hub::online, configs, logs, clock, interval, stopGrace, stopConfirmWait, eventBuffer)), hub);
        }
    }

    /** The default local runner: refuses every start, saying how to fix it. */
    private static final class NoLocalRunner implements JobRunner {
        static final NoLocalRunner INSTANCE = new NoLocalRunner();

        @Override
        public String name() {
            return Placement.LOCAL;
        }

        @Override
        public Optional<ProcessRef> start(Job job, AttemptListener listener) {
            throw new LaunchException("no local runner is configured; pass one to GpuQueue.builder().runner(...)");
        }

        @Override
        public void resume(Job job, AttemptListener listener) {}

        @Override
        public CompletableFuture<Void> stop(Job job, Duration grace) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public AttemptState probe(Job job) {
            return AttemptState.GONE;
        }
    }
}
