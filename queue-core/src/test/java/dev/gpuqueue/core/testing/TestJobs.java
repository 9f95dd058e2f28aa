package dev.gpuqueue.core.testing;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.JobType;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.Submitter;
import dev.gpuqueue.core.model.Target;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test-data factory for jobs: {@code TestJobs.job().user(ALICE).level(ADMIN).gpus(2).build()}.
 * Every draft gets the next sequence number, and by default the same {@code queuedAt} ({@link #T0}),
 * so drafts built in order are in FIFO order through the sequence tie-break.
 */
public final class TestJobs {
    public static final Instant T0 = Instant.parse("2026-01-05T09:00:00Z");

    public static final Submitter ALICE = new Submitter(1, "alice", "alpha");
    public static final Submitter BOB = new Submitter(2, "bob", "alpha");
    public static final Submitter CAROL = new Submitter(3, "carol", "beta");
    public static final Submitter DAVE = new Submitter(4, "dave", null);

    private static final AtomicLong SEQ = new AtomicLong();

    private TestJobs() {}

    public static Draft job() {
        return new Draft(SEQ.incrementAndGet());
    }

    /** A job under construction. Not thread-safe. */
    public static final class Draft {
        private final Job.Builder builder;
        private final JobSpec.Builder spec = JobSpec.builder().command(List.of("python", "train.py"));
        private Level level = Level.RESEARCHER;
        private JobStatus status = JobStatus.PENDING;
        private Instant queuedAt = T0;
        private Instant agingSince;
        private Placement placement = Placement.NONE;
        private String provider;

        private Draft(long seq) {
            builder = Job.builder().id(JobId.of("job-" + seq)).seq(seq).configName("cfg").submitter(ALICE);
        }

        public Draft id(String id) { builder.id(JobId.of(id)); return this; }
        public Draft user(Submitter submitter) { builder.submitter(submitter); return this; }
        public Draft level(Level level) { this.level = level; return this; }
        public Draft override(Integer priority) { builder.priorityOverride(priority); return this; }
        public Draft queuedAt(Instant at) { this.queuedAt = at; return this; }
        public Draft agingSince(Instant at) { this.agingSince = at; return this; }
        public Draft gpus(int n) { spec.numProcesses(n); return this; }
        public Draft deviceIds(Integer... ids) { spec.deviceIds(Arrays.asList(ids)); return this; }
        public Draft anyGpu() { builder.anyGpu(true); return this; }
        public Draft target(Target target) { builder.target(target); return this; }
        public Draft cost(double cost) { spec.estimatedCost(cost); return this; }
        public Draft maxAttempts(int n) { spec.maxAttempts(n); return this; }
        public Draft attempt(int n) { builder.attempt(n); return this; }
        public Draft kubernetes(Map<String, Object> section) {
            spec.runner(JobSpec.KUBERNETES).kubernetes(section);
            return this;
        }
        public Draft cloud(String provider) {
            builder.type(JobType.CLOUD).provider(provider);
            this.provider = provider;
            return this;
        }
        public Draft blocked() { status = JobStatus.BLOCKED; builder.requiresApproval(true); return this; }

        /** Running since {@code queuedAt} on the given local GPUs (a cloud job: on its provider). */
        public Draft running(Integer... gpus) {
            status = JobStatus.RUNNING;
            placement = provider != null ? Placement.on(provider) : Placement.localGpus(Arrays.asList(gpus));
            return this;
        }

        /** Running on a remote worker. */
        public Draft runningOnWorker(String workerId) {
            status = JobStatus.RUNNING;
            placement = Placement.worker(workerId);
            return this;
        }

        public Job build() {
            Instant aging = agingSince != null ? agingSince : (status == JobStatus.BLOCKED ? null : queuedAt);
            return builder
                    .spec(spec.build())
                    .priority(level.basePriority())
                    .status(status)
                    .queuedAt(queuedAt)
                    .agingSince(aging)
                    .startedAt(status == JobStatus.RUNNING ? queuedAt : null)
                    .placement(placement)
                    .build();
        }
    }
}
