package dev.gpuqueue.core.testing;

import dev.gpuqueue.core.GpuQueue;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.port.JobQuery;
import dev.gpuqueue.core.port.JobReader;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.service.QueueService;
import dev.gpuqueue.core.service.Scheduler;
import dev.gpuqueue.core.service.SettingsUpdate;
import dev.gpuqueue.core.service.SubmitRequest;
import dev.gpuqueue.core.service.SubmitResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A queue wired with fakes for service tests: 4 fake GPUs, a {@link RecordingRunner} as the local
 * runner, a {@link MutableClock} at {@link TestJobs#T0}, a {@link RecordingCloudRunner} for provider
 * {@code replicate}, and a few named configs. Any {@link JobStore} can be plugged in, so durable
 * stores run the same scenarios.
 */
public final class QueueHarness {
    public static final Caller ADMIN = new Caller(100, "root", Level.ADMIN, null);
    public static final Caller LEAD = new Caller(101, "lena", Level.LEAD, "alpha");
    public static final Caller ALICE = new Caller(1, "alice", Level.RESEARCHER, "alpha");
    public static final Caller BOB = new Caller(2, "bob", Level.RESEARCHER, "alpha");
    public static final Caller CAROL = new Caller(3, "carol", Level.RESEARCHER, "beta");
    public static final Caller VICTOR = new Caller(4, "victor", Level.VIEWER, null);

    /** Configs: train (1 GPU), train2 (2), big (4), pinned23 (GPUs 2 and 3), short (60 s limit), once (1 attempt), costly (cost 50). */
    public static final Map<String, JobSpec> CONFIGS = Map.of(
            "train", JobSpec.builder().command(List.of("python", "train.py")).runName("quick-run").build(),
            "train2", JobSpec.builder().command(List.of("python", "train.py")).numProcesses(2).build(),
            "big", JobSpec.builder().command(List.of("python", "big.py")).numProcesses(4).build(),
            "pinned23", JobSpec.builder().command(List.of("python", "p.py")).numProcesses(2).deviceIds(List.of(2, 3)).build(),
            "short", JobSpec.builder().command(List.of("sleep", "999")).maxRuntimeSeconds(60L).build(),
            "once", JobSpec.builder().command(List.of("false")).maxAttempts(1).build(),
            "costly", JobSpec.builder().command(List.of("python", "train.py")).estimatedCost(50).build());

    public final JobStore store;
    public final FakeGpuInventory gpus;
    public final RecordingRunner runner;
    public final RecordingCloudRunner cloud;
    public final MutableClock clock;
    public final GpuQueue queue;

    public QueueHarness(JobStore store) {
        this(store, FakeGpuInventory.withGpus(4), new RecordingRunner(), MutableClock.at(TestJobs.T0));
    }

    public QueueHarness(JobStore store, FakeGpuInventory gpus, RecordingRunner runner, MutableClock clock) {
        this.store = store;
        this.gpus = gpus;
        this.runner = runner;
        this.clock = clock;
        this.cloud = new RecordingCloudRunner("replicate");
        this.queue = GpuQueue.builder()
                .store(store).gpus(gpus).runner(runner).runner(cloud).clock(clock).configs(CONFIGS)
                .stopGrace(Duration.ofSeconds(1)).build();
    }

    /** The same store after a "restart": a new queue with a new local runner, same clock and GPUs. */
    public QueueHarness restarted(RecordingRunner newRunner) {
        return new QueueHarness(store, gpus, newRunner, clock);
    }

    public QueueService service() {
        return queue.service();
    }

    public Scheduler scheduler() {
        return queue.scheduler();
    }

    public SubmitResult submit(Caller caller, String config) {
        return service().submit(caller, SubmitRequest.builder(config).build());
    }

    public SubmitResult submit(Caller caller, SubmitRequest.Builder request) {
        return service().submit(caller, request.build());
    }

    public Job job(JobId id) {
        return store.read(r -> r.find(id)).orElseThrow();
    }

    /** The job if it still exists (typed, so AssertJ can pick an overload). */
    public Optional<Job> find(JobId id) {
        return store.read(r -> r.find(id));
    }

    public long jobCount() {
        return store.read(r -> r.count(JobQuery.all()));
    }

    public List<QueueEvent.Type> eventTypes(JobId id) {
        return store.read(r -> r.events(id)).stream().map(QueueEvent::type).toList();
    }

    public List<QueueEvent> events(JobId id) {
        return store.read(r -> r.events(id));
    }

    public void settings(Map<String, ?> changes) {
        service().updateSettings(ADMIN, SettingsUpdate.of(changes));
    }

    public List<Job> running() {
        return store.read(r -> r.withStatus(JobStatus.RUNNING));
    }

    public <T> T read(Function<JobReader, T> read) {
        return store.read(read);
    }
}
