package dev.gpuqueue.core.model;

import static dev.gpuqueue.core.model.JobStatus.BLOCKED;
import static dev.gpuqueue.core.model.JobStatus.CANCELLED;
import static dev.gpuqueue.core.model.JobStatus.COMPLETED;
import static dev.gpuqueue.core.model.JobStatus.FAILED;
import static dev.gpuqueue.core.model.JobStatus.PENDING;
import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.error.IllegalTransitionException;
import dev.gpuqueue.core.error.LimitOutOfRangeException;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One queue entry: what to run, who asked, where it may run, and where it is in its life. Immutable;
 * every state change returns a new value and is checked against {@link JobStatus}'s table.
 *
 * <p>Field notes:
 * <ul>
 *   <li>{@code seq}: the submit sequence (the store's row key; 0 before the job is stored). Breaks
 *       ties on {@code queuedAt} so equal timestamps never give a random order.
 *   <li>{@code priority}: the base priority from the submitter's level; {@code priorityOverride}
 *       (0..50) replaces it when set.
 *   <li>{@code queuedAt}: submit time, kept across requeues. {@code agingSince}: when the job last
 *       became pending (submit, or approval for a blocked job; a requeue keeps it); aging counts
 *       from here. Null for a job that has never been pending.
 *   <li>{@code placement}: where the job runs <em>now</em> (its runner, and the GPUs or worker it
 *       holds); set exactly while it is running.
 *       Preferred device ids live in {@code spec.deviceIds()}.
 *   <li>{@code approvalId}: the id of the admin who approved or rejected the job, or null.
 *   <li>{@code dependsOn}: the jobs this one waits for, fixed at submit; {@code awaitingDependencies}
 *       while some of them have not ended as asked (the job then waits outside the dispatch order).
 *   <li>{@code array}: the job's place in a job array (a sweep), or null.
 *   <li>{@code version}: bumped by the store on every write, for compare-and-set updates.
 *   <li>The queue position is not stored: it is computed from the dispatch order at read time.
 * </ul>
 */
public record Job(
        JobId id,
        long seq,
        JobType type,
        String provider,
        String configName,
        JobSpec spec,
        Submitter submitter,
        int priority,
        Integer priorityOverride,
        JobStatus status,
        Target target,
        boolean anyGpu,
        Map<String, String> workerLabels,
        boolean requiresApproval,
        Long approvalId,
        Instant queuedAt,
        Instant agingSince,
        Instant startedAt,
        Instant completedAt,
        int attempt,
        Placement placement,
        ProcessRef process,
        Integer exitCode,
        String errorMessage,
        Map<String, String> metadata,
        String idempotencyKey,
        List<Dependency> dependsOn,
        boolean awaitingDependencies,
        ArrayMember array,
        long version) {

    public static final int PRIORITY_MIN = 0;
    public static final int PRIORITY_MAX = 50;

    public Job {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(configName, "configName");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(submitter, "submitter");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(queuedAt, "queuedAt");
        workerLabels = sortedCopy(workerLabels);
        metadata = sortedCopy(metadata);
        placement = placement == null ? Placement.NONE : placement;
        dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
        if (awaitingDependencies && (dependsOn.isEmpty() || !status.isActive() || status == RUNNING)) {
            throw new IllegalArgumentException("only a waiting job with dependencies awaits them");
        }
        if (configName.isBlank()) {
            throw new IllegalArgumentException("configName must not be blank");
        }
        if (seq < 0 || version < 0) {
            throw new IllegalArgumentException("seq and version must be >= 0");
        }
        if (priority < PRIORITY_MIN || priority > PRIORITY_MAX) {
            throw new IllegalArgumentException("priority must be between 0 and 50, got " + priority);
        }
        checkPriorityOverride(priorityOverride);
        if (attempt < 1 || attempt > spec.maxAttempts()) {
            throw new IllegalArgumentException(
                    "attempt must be between 1 and max_attempts " + spec.maxAttempts() + ", got " + attempt);
        }
        if (type == JobType.CLOUD && (provider == null || provider.isBlank())) {
            throw new IllegalArgumentException("a cloud job needs a provider");
        }
        if (status == PENDING && agingSince == null) {
            throw new IllegalArgumentException("a pending job needs agingSince");
        }
        if (status == RUNNING && startedAt == null) {
            throw new IllegalArgumentException("a running job needs startedAt");
        }
        if (status.isTerminal() && completedAt == null) {
            throw new IllegalArgumentException("a " + status.wireName() + " job needs completedAt");
        }
        if ((status == RUNNING) == placement.isEmpty()) {
            throw new IllegalArgumentException("a running job, and only a running job, has a placement (its runner)");
        }
    }

    /** Throws {@link LimitOutOfRangeException} unless {@code override} is null or within 0..50. */
    public static void checkPriorityOverride(Integer override) {
        if (override != null && (override < PRIORITY_MIN || override > PRIORITY_MAX)) {
            throw new LimitOutOfRangeException("priority", override, "between 0 and 50, or null to clear");
        }
    }

    // ---- derived views -------------------------------------------------------------------------

    public long userId() {
        return submitter.userId();
    }

    public String teamId() {
        return submitter.teamId();
    }

    public int numProcesses() {
        return spec.numProcesses();
    }

    public int maxAttempts() {
        return spec.maxAttempts();
    }

    public double estimatedCost() {
        return spec.estimatedCost();
    }

    /** The GPUs this job holds now (empty unless running on local GPUs). */
    public List<Integer> allocatedGpus() {
        return placement.gpus();
    }

    /** The priority before aging: the override when set, else the base priority. */
    public int basePriorityOrOverride() {
        return priorityOverride != null ? priorityOverride : priority;
    }

    /**
     * The runner this job must run on when it names one (a cloud job's provider, or the {@code runner}
     * its config gives, such as {@code kubernetes}), else null:
     * the planner then places it on this machine's GPUs or a worker, by its target. The one place
     * that answers "which kind of runner takes this job".
     */
    public String namedRunner() {
        return type == JobType.CLOUD ? provider : spec.runner();
    }

    /** Whether this job competes for the orchestrator's own GPUs (and not a worker or a named runner). */
    public boolean wantsLocalGpus() {
        return namedRunner() == null && target != Target.WORKER;
    }

    /** Whether this job is pending and may be dispatched now (its dependencies are met). */
    public boolean dispatchable() {
        return status == PENDING && !awaitingDependencies;
    }

    /**
     * The variables the queue gives the job's process, whatever runs it (a config's {@code env}
     * never sets a {@code GPUQUEUE_} name): {@code GPUQUEUE_JOB_ID}, {@code GPUQUEUE_ATTEMPT},
     * {@code GPUQUEUE_NUM_PROCESSES}, and for an array's job its id, index and parameters.
     */
    public Map<String, String> queueVariables() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("GPUQUEUE_JOB_ID", id.value());
        env.put("GPUQUEUE_ATTEMPT", Integer.toString(attempt));
        env.put("GPUQUEUE_NUM_PROCESSES", Integer.toString(spec.numProcesses()));
        if (array != null) {
            env.putAll(array.environment());
        }
        return env;
    }

    /** Whether {@code name} is one only the queue sets ({@code GPUQUEUE_...}), never a config. */
    public static boolean isQueueVariable(String name) {
        return name.startsWith("GPUQUEUE_");
    }

    /** The array this job belongs to, or null. */
    public String arrayId() {
        return array == null ? null : array.arrayId();
    }

    public boolean hasAttemptsLeft() {
        return attempt < spec.maxAttempts();
    }

    // ---- state changes ---------------------------------------------------------------------------

    /** pending → running, holding {@code placement} from {@code now}. */
    public Job dispatched(Placement placement, Instant now) {
        status.checkMoveTo(RUNNING);
        return toBuilder()
                .status(RUNNING)
                .placement(placement)
                .startedAt(now)
                .completedAt(null)
                .process(null)
                .exitCode(null)
                .errorMessage(null)
                .build();
    }

    /** Records the process of the running attempt. */
    public Job launched(ProcessRef process) {
        requireStatus(RUNNING, RUNNING, "job " + id + " is " + status.wireName() + ", not running");
        return toBuilder().process(Objects.requireNonNull(process, "process")).build();
    }

    /** running → completed; releases what the job held. */
    public Job completed(Integer exitCode, Instant now) {
        status.checkMoveTo(COMPLETED);
        return finish(COMPLETED, now).exitCode(exitCode).errorMessage(null).build();
    }

    /** running → failed with {@code message}; releases what the job held. */
    public Job failed(String message, Integer exitCode, Instant now) {
        requireStatus(RUNNING, FAILED, "a " + status.wireName() + " job cannot fail; only running ones can");
        return finish(FAILED, now).exitCode(exitCode).errorMessage(message).build();
    }

    /** blocked → failed, with {@code error_message = "Rejected: <reason>"}. */
    public Job rejected(String reason, long approverId, Instant now) {
        requireStatus(BLOCKED, FAILED, "job " + id + " is " + status.wireName() + "; only blocked jobs can be rejected");
        return finish(FAILED, now).approvalId(approverId).errorMessage("Rejected: " + reason).build();
    }

    /** blocked → pending; the job ages from the approval time. */
    public Job approved(long approverId, Instant now) {
        requireStatus(BLOCKED, PENDING, "job " + id + " is " + status.wireName() + "; only blocked jobs can be approved");
        return toBuilder().status(PENDING).approvalId(approverId).agingSince(now).build();
    }

    /** pending, blocked or running → cancelled; releases what the job held. */
    public Job cancelled(Instant now) {
        status.checkMoveTo(CANCELLED);
        return finish(CANCELLED, now).build();
    }

    /**
     * A waiting job whose dependencies are all met: it joins the dispatch order, by its submit time,
     * and keeps aging from when it became pending (it has been pending all along).
     */
    public Job dependenciesMet() {
        if (!awaitingDependencies) {
            throw new IllegalStateException("job " + id + " awaits no dependency");
        }
        return toBuilder().awaitingDependencies(false).build();
    }

    /**
     * running → pending for another attempt ({@code attempt + 1}), keeping {@code queuedAt} and the
     * aging start; {@code reason} stays visible as the error message.
     */
    public Job requeued(String reason) {
        requireStatus(RUNNING, PENDING, "a " + status.wireName() + " job is not requeued; only running ones are");
        if (!hasAttemptsLeft()) {
            throw new IllegalTransitionException(RUNNING, PENDING, "job " + id + " has used all " + maxAttempts()
                    + " attempts");
        }
        return toBuilder()
                .status(PENDING)
                .attempt(attempt + 1)
                .placement(Placement.NONE)
                .startedAt(null)
                .process(null)
                .agingSince(agingSince != null ? agingSince : queuedAt)
                .errorMessage(reason)
                .build();
    }

    /** After an attempt whose outcome is unknown or that failed to launch: requeue, or fail when no attempt is left. */
    public Job retryOrFail(String reason, Instant now) {
        return hasAttemptsLeft() ? requeued(reason) : failed(reason, null, now);
    }

    /** Sets or clears the override; only while the job waits (pending or blocked). */
    public Job withPriorityOverride(Integer override) {
        checkPriorityOverride(override);
        if (status != PENDING && status != BLOCKED) {
            throw new IllegalTransitionException(status, status,
                    "job " + id + " is " + status.wireName() + "; priority can change only while pending or blocked");
        }
        return toBuilder().priorityOverride(override).build();
    }

    /**
     * Checks that this job is {@code required} (the one status the change applies to) and that the
     * table allows moving to {@code to}; else refuses in {@code words}.
     */
    private void requireStatus(JobStatus required, JobStatus to, String words) {
        if (status != required || required != to && !status.canMoveTo(to)) {
            throw new IllegalTransitionException(status, to, words);
        }
    }

    private Builder finish(JobStatus terminal, Instant now) {
        return toBuilder().status(terminal).placement(Placement.NONE).awaitingDependencies(false)
                .completedAt(Objects.requireNonNull(now, "now"));
    }

    // ---- builder ---------------------------------------------------------------------------------

    public static Builder builder() {
        return new Builder();
    }

    /** An unmodifiable copy ordered by key, so a job reads and prints the same wherever it was loaded from. */
    private static <V> Map<String, V> sortedCopy(Map<String, V> map) {
        Map<String, V> checked = Map.copyOf(map);
        return checked.size() < 2 ? checked : Collections.unmodifiableMap(new TreeMap<>(checked));
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.id = id;
        b.seq = seq;
        b.type = type;
        b.provider = provider;
        b.configName = configName;
        b.spec = spec;
        b.submitter = submitter;
        b.priority = priority;
        b.priorityOverride = priorityOverride;
        b.status = status;
        b.target = target;
        b.anyGpu = anyGpu;
        b.workerLabels = workerLabels;
        b.requiresApproval = requiresApproval;
        b.approvalId = approvalId;
        b.queuedAt = queuedAt;
        b.agingSince = agingSince;
        b.startedAt = startedAt;
        b.completedAt = completedAt;
        b.attempt = attempt;
        b.placement = placement;
        b.process = process;
        b.exitCode = exitCode;
        b.errorMessage = errorMessage;
        b.metadata = metadata;
        b.idempotencyKey = idempotencyKey;
        b.dependsOn = dependsOn;
        b.awaitingDependencies = awaitingDependencies;
        b.array = array;
        b.version = version;
        return b;
    }

    /** Builds a {@link Job}; defaults: local, target auto, attempt 1, pending. Not thread-safe. */
    public static final class Builder {
        private JobId id;
        private long seq;
        private JobType type = JobType.LOCAL;
        private String provider;
        private String configName;
        private JobSpec spec;
        private Submitter submitter;
        private int priority;
        private Integer priorityOverride;
        private JobStatus status = PENDING;
        private Target target = Target.AUTO;
        private boolean anyGpu;
        private Map<String, String> workerLabels = Map.of();
        private boolean requiresApproval;
        private Long approvalId;
        private Instant queuedAt;
        private Instant agingSince;
        private Instant startedAt;
        private Instant completedAt;
        private int attempt = 1;
        private Placement placement = Placement.NONE;
        private ProcessRef process;
        private Integer exitCode;
        private String errorMessage;
        private Map<String, String> metadata = Map.of();
        private String idempotencyKey;
        private List<Dependency> dependsOn = List.of();
        private boolean awaitingDependencies;
        private ArrayMember array;
        private long version;

        private Builder() {}

        public Builder id(JobId id) { this.id = id; return this; }
        public Builder seq(long seq) { this.seq = seq; return this; }
        public Builder type(JobType type) { this.type = type; return this; }
        public Builder provider(String provider) { this.provider = provider; return this; }
        public Builder configName(String configName) { this.configName = configName; return this; }
        public Builder spec(JobSpec spec) { this.spec = spec; return this; }
        public Builder submitter(Submitter submitter) { this.submitter = submitter; return this; }
        public Builder priority(int priority) { this.priority = priority; return this; }
        public Builder priorityOverride(Integer priorityOverride) { this.priorityOverride = priorityOverride; return this; }
        public Builder status(JobStatus status) { this.status = status; return this; }
        public Builder target(Target target) { this.target = target; return this; }
        public Builder anyGpu(boolean anyGpu) { this.anyGpu = anyGpu; return this; }
        public Builder workerLabels(Map<String, String> workerLabels) { this.workerLabels = workerLabels; return this; }
        public Builder requiresApproval(boolean requiresApproval) { this.requiresApproval = requiresApproval; return this; }
        public Builder approvalId(Long approvalId) { this.approvalId = approvalId; return this; }
        public Builder queuedAt(Instant queuedAt) { this.queuedAt = queuedAt; return this; }
        public Builder agingSince(Instant agingSince) { this.agingSince = agingSince; return this; }
        public Builder startedAt(Instant startedAt) { this.startedAt = startedAt; return this; }
        public Builder completedAt(Instant completedAt) { this.completedAt = completedAt; return this; }
        public Builder attempt(int attempt) { this.attempt = attempt; return this; }
        public Builder placement(Placement placement) { this.placement = placement; return this; }
        public Builder process(ProcessRef process) { this.process = process; return this; }
        public Builder exitCode(Integer exitCode) { this.exitCode = exitCode; return this; }
        public Builder errorMessage(String errorMessage) { this.errorMessage = errorMessage; return this; }
        public Builder metadata(Map<String, String> metadata) { this.metadata = metadata; return this; }
        public Builder idempotencyKey(String idempotencyKey) { this.idempotencyKey = idempotencyKey; return this; }
        public Builder dependsOn(List<Dependency> dependsOn) { this.dependsOn = dependsOn; return this; }
        public Builder awaitingDependencies(boolean awaiting) { this.awaitingDependencies = awaiting; return this; }
        public Builder array(ArrayMember array) { this.array = array; return this; }
        public Builder version(long version) { this.version = version; return this; }

        public Job build() {
            return new Job(id, seq, type, provider, configName, spec, submitter, priority, priorityOverride, status,
                    target, anyGpu, workerLabels, requiresApproval, approvalId, queuedAt, agingSince, startedAt,
                    completedAt, attempt, placement, process, exitCode, errorMessage, metadata, idempotencyKey, dependsOn,
                    awaitingDependencies, array, version);
        }
    }
}
