package dev.gpuqueue.core;

import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.Dispatcher;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.port.JobConfigs;
import dev.gpuqueue.core.port.JobLauncher;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.service.QueueService;
import dev.gpuqueue.core.service.Reconciler;
import dev.gpuqueue.core.service.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An assembled queue for embedding: a {@link QueueService} to submit, cancel, approve and inspect,
 * and a {@link Scheduler} that can run in the background ({@link #start()}) or be driven one pass
 * at a time ({@code scheduler().runOnce()}). Thread-safe.
 *
 * <pre>{@code
 * try (GpuQueue queue = GpuQueue.builder().gpuCount(4).launcher(myLauncher).build().start()) {
 *     SubmitResult r = queue.service().submit(caller, SubmitRequest.builder("train").spec(spec).build());
 * }
 * }</pre>
 */
public final class GpuQueue implements AutoCloseable {
    private final JobStore store;
    private final QueueService service;
    private final Scheduler scheduler;
    private final Reconciler reconciler;

    private GpuQueue(Builder b) {
        this.store = b.store;
        this.scheduler = new Scheduler(b.store, b.gpus, b.launcher, b.dispatchers, b.clock, b.interval, b.stopGrace);
        this.service = new QueueService(b.store, b.configs, b.logs, scheduler, b.clock);
        this.reconciler = new Reconciler(scheduler, b.clock);
    }

    public static Builder builder() {
        return new Builder();
    }

    public QueueService service() {
        return service;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public JobStore store() {
        return store;
    }

    /** Recovers jobs left running by an earlier process, runs a pass, then starts the background loop. */
    public GpuQueue start() {
        reconciler.reconcile();
        scheduler.start();
        return this;
    }

    /** Recovers jobs left running by an earlier process and runs a pass, without starting the loop. */
    public Reconciler.Report recover() {
        return reconciler.reconcile();
    }

    /** Stops the background loop; running jobs keep running. */
    @Override
    public void close() {
        scheduler.stop();
    }

    /** Assembles a {@link GpuQueue}; every part has a default. Not thread-safe. */
    public static final class Builder {
        private JobStore store;
        private GpuInventory gpus = GpuInventory.none();
        private JobLauncher launcher = NoLauncher.INSTANCE;
        private JobConfigs configs = JobConfigs.of(Map.of());
        private JobLogs logs = JobLogs.none();
        private final Map<String, Dispatcher> dispatchers = new HashMap<>();
        private Clock clock = Clock.systemUTC();
        private Duration interval = Scheduler.DEFAULT_INTERVAL;
        private Duration stopGrace = Scheduler.DEFAULT_STOP_GRACE;

        private Builder() {}

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

        /** What starts local jobs; default: none (local jobs fail to launch with a clear message). */
        public Builder launcher(JobLauncher launcher) { this.launcher = Objects.requireNonNull(launcher); return this; }

        /** Named job configs; default: none (submit with {@code SubmitRequest.spec}). */
        public Builder configs(JobConfigs configs) { this.configs = Objects.requireNonNull(configs); return this; }

        /** Named job configs from a map. */
        public Builder configs(Map<String, JobSpec> configs) { return configs(JobConfigs.of(configs)); }

        public Builder logs(JobLogs logs) { this.logs = Objects.requireNonNull(logs); return this; }

        /** Registers the dispatcher for one cloud provider. */
        public Builder dispatcher(Dispatcher dispatcher) {
            dispatchers.put(dispatcher.provider(), dispatcher);
            return this;
        }

        public Builder clock(Clock clock) { this.clock = Objects.requireNonNull(clock); return this; }

        /** How often the background loop runs a pass; default 5 s. */
        public Builder schedulerInterval(Duration interval) { this.interval = Objects.requireNonNull(interval); return this; }

        /** How long a stopped job gets between the polite and the forced signal; default 10 s. */
        public Builder stopGrace(Duration grace) { this.stopGrace = Objects.requireNonNull(grace); return this; }

        public GpuQueue build() {
            if (store == null) {
                store = new InMemoryJobStore();
            }
            return new GpuQueue(this);
        }
    }

    /** The default launcher: refuses every launch, saying how to fix it. */
    private enum NoLauncher implements JobLauncher {
        INSTANCE;

        @Override
        public Optional<ProcessRef> launch(Job job, AttemptListener listener) {
            throw new LaunchException("no launcher is configured; pass one to GpuQueue.builder().launcher(...)");
        }

        @Override
        public void adopt(Job job, AttemptListener listener) {}

        @Override
        public void stop(Job job, Duration grace) {}

        @Override
        public boolean isAlive(Job job) {
            return false;
        }

        @Override
        public OptionalInt recordedExitCode(Job job) {
            return OptionalInt.empty();
        }
    }
}
