package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.model.JobStatus.BLOCKED;
import static dev.gpuqueue.core.model.JobStatus.PENDING;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.ArrayMember;
import dev.gpuqueue.core.model.ArrayRequest;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Dependency;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.OnlineWorker;
import dev.gpuqueue.core.model.Target;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobType;
import dev.gpuqueue.core.model.PendingReason;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.policy.ApprovalRules;
import dev.gpuqueue.core.policy.GpuPlacement;
import dev.gpuqueue.core.policy.WorkerMatching;
import dev.gpuqueue.core.policy.PassPlan;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.port.JobConfigs;
import dev.gpuqueue.core.port.JobQuery;
import dev.gpuqueue.core.port.JobReader;
import dev.gpuqueue.core.port.JobStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Submitting: resolves the job's config, refuses what can never fit, blocks a job that needs
 * approval, and otherwise queues it and runs a pass in the same transaction, so the answer says
 * whether it started. With {@code no_wait} the job is stored only if it starts at once; with
 * {@code dry_run} nothing is stored. An idempotency key already used by this caller returns the
 * original job. A caller at {@code user_max_pending} waiting jobs cannot add one that would wait.
 * Thread-safe.
 */
final class Submissions {
    private final JobStore store;
    private final JobConfigs configs;
    private final GpuInventory gpus;
    private final Runners runners;
    private final Supplier<List<OnlineWorker>> workers;
    private final Passes passes;
    private final QueuePlanner planner;
    private final Clock clock;

    Submissions(JobStore store, JobConfigs configs, GpuInventory gpus, Runners runners,
            Supplier<List<OnlineWorker>> workers, Passes passes,
            QueuePlanner planner, Clock clock) {
        this.store = store;
        this.configs = configs;
        this.gpus = gpus;
        this.runners = runners;
        this.workers = workers;
        this.passes = passes;
        this.planner = planner;
        this.clock = clock;
    }

    SubmitResult submit(Caller caller, SubmitRequest request) {
        String configName = JobConfigs.checkName(request.configName());
        if (request.idempotencyKey() != null) {
            Optional<Job> original = original(caller, request);
            if (original.isPresent()) {
                return repeated(original.get());
            }
        }
        JobSpec spec = request.spec() != null ? request.spec() : configs.resolve(configName);
        if (request.provider() != null && !runners.namedRunners().contains(request.provider())) {
            throw new ValidationException("unknown provider '" + request.provider() + "'; registered: "
                    + runners.namedRunners());
        }
        if (request.provider() != null && spec.runner() != null) {
            throw new ValidationException("a cloud job runs on its provider; its config must not name a runner");
        }
        runners.check(spec);
        if (request.dryRun()) {
            return preview(caller, request, configName, spec);
        }
        try {
            return request.array() != null ? storeArray(caller, request, configName, spec)
                    : store(caller, request, configName, spec);
        } catch (NoWaitRejection rejection) {
            return SubmitResult.rejected(rejection.getMessage());
        } catch (ConflictException duplicateKey) {
            if (request.idempotencyKey() != null) {
                Optional<Job> original = original(caller, request);
                if (original.isPresent()) {
                    return repeated(original.get());
                }
            }
            throw duplicateKey;
        }
    }

    /** The answer to an idempotent repeat: the original job's, with its whole array when it began one. */
    private SubmitResult repeated(Job original) {
        SubmitResult result = resultFor(original);
        if (original.array() == null) {
            return result;
        }
        List<Job> members = store.read(r -> r.arrayJobs(original.arrayId()));
        return result.withArray(new SubmitResult.ArraySummary(original.arrayId(), members.stream().map(Job::id).toList(),
                (int) members.stream().filter(j -> j.status() != PENDING && j.status() != BLOCKED).count()));
    }

    private Optional<Job> original(Caller caller, SubmitRequest request) {
        return store.read(r -> r.findByIdempotencyKey(caller.userId(), request.idempotencyKey()));
    }

    /** Stores the job and runs a pass in the same transaction; rolls both back when the job may not wait. */
    private SubmitResult store(Caller caller, SubmitRequest request, String configName, JobSpec spec) {
        Instant now = clock.instant();
        AtomicReference<Job> stored = new AtomicReference<>();
        AtomicReference<Long> waitingBefore = new AtomicReference<>();
        AtomicReference<PendingReason> dependencyWait = new AtomicReference<>();
        PassResult pass = passes.runAfter(tx -> {
            waitingBefore.set(waitingJobs(tx, caller));
            boolean awaiting = Dependencies.mustWait(tx, caller, request.dependsOn());
            Job job = newJob(caller, request, configName, spec, tx.settings(), now).toBuilder()
                    .awaitingDependencies(awaiting).build();
            stored.set(Transitions.in(tx, caller.name(), now).submit(job, submitDetail(job, request, spec, tx.settings())));
            dependencyWait.set(awaiting ? Dependencies.reason(tx, job) : null);
        }, plan -> {
            Job job = stored.get();
            boolean waits = job.status() == BLOCKED || job.status() == PENDING && !startsIn(plan, job.id());
            if (waits && request.noWait() && job.status() == PENDING) {
                throw new NoWaitRejection(dependencyWait.get() != null ? dependencyWait.get().message() : reasonIn(plan, job));
            }
            if (waits) {
                checkWaitingQuota(caller, waitingBefore.get(), 1, plan.tail().input().settings());
            }
        });
        JobId id = stored.get().id();
        Optional<Job> startedNow = pass.started().stream().filter(j -> j.id().equals(id)).findFirst();
        if (startedNow.isPresent()) {
            return SubmitResult.running(startedNow.get());
        }
        Job current = store.read(r -> r.find(id)).orElse(stored.get());
        return resultFor(current, entryIn(pass.waiting(), id));
    }

    /**
     * Stores every job of an array (one per combination, in index order, sharing the first job's id
     * as the array's id) and runs a pass, in one transaction: all or nothing.
     */
    private SubmitResult storeArray(Caller caller, SubmitRequest request, String configName, JobSpec spec) {
        ArrayRequest array = request.array();
        Instant now = clock.instant();
        List<Job> stored = new ArrayList<>(array.size());
        AtomicReference<Long> waitingBefore = new AtomicReference<>();
        PassResult pass = passes.runAfter(tx -> {
            waitingBefore.set(waitingJobs(tx, caller));
            boolean awaiting = Dependencies.mustWait(tx, caller, request.dependsOn());
            QueueSettings settings = tx.settings();
            Transitions transitions = Transitions.in(tx, caller.name(), now);
            JobId arrayId = JobId.generate();
            Job template = newJob(caller, request, configName, spec, settings, now);
            String detail = submitDetail(template, request, spec, settings);
            List<Job> members = new ArrayList<>(array.size());
            List<String> details = new ArrayList<>(array.size());
            List<ArrayMember> places = array.members(arrayId.value());
            for (int index = 0; index < array.size(); index++) {
                members.add(template.toBuilder()
                        .id(index == 0 ? arrayId : JobId.generate())
                        .array(places.get(index))
                        .idempotencyKey(index == 0 ? request.idempotencyKey() : null)
                        .awaitingDependencies(awaiting)
                        .build());
                details.add(detail + " (array " + arrayId + ", index " + index + ")");
            }
            stored.addAll(transitions.submitAll(members, details));
        }, plan -> {
            String arrayId = stored.get(0).arrayId();
            long starting = plan.starts().stream().filter(s -> arrayId.equals(s.job().arrayId())).count();
            checkWaitingQuota(caller, waitingBefore.get(), stored.size() - starting, plan.tail().input().settings());
        });
        Job first = stored.get(0);
        Set<JobId> started = new HashSet<>();
        pass.started().stream().filter(job -> first.arrayId().equals(job.arrayId())).forEach(job -> started.add(job.id()));
        SubmitResult firstResult = started.contains(first.id())
                ? SubmitResult.running(pass.started().stream().filter(j -> j.id().equals(first.id())).findFirst().orElseThrow())
                : resultFor(store.read(r -> r.find(first.id())).orElse(first), entryIn(pass.waiting(), first.id()));
        return firstResult.withArray(new SubmitResult.ArraySummary(first.arrayId(),
                stored.stream().map(Job::id).toList(), started.size()));
    }

    private static String submitDetail(Job job, SubmitRequest request, JobSpec spec, QueueSettings settings) {
        String detail = job.status() == BLOCKED ? "awaiting approval: " + approvalReason(request, spec, settings) : "queued";
        return request.dependsOn().isEmpty() ? detail : detail + "; after " + request.dependsOn().stream()
                .map(d -> d.jobId() + (d.condition() == Dependency.Condition.SUCCEEDED ? "" : ":" + d.condition().wireName()))
                .collect(Collectors.joining(", "));
    }

    private SubmitResult preview(Caller caller, SubmitRequest request, String configName, JobSpec spec) {
        QueueSettings settings = store.read(JobReader::settings);
        long waiting = store.read(r -> waitingJobs(r, caller));
        Job candidate = newJob(caller, request, configName, spec, settings, clock.instant())
                .toBuilder().id(JobId.of("dry-run")).seq(Long.MAX_VALUE).build();
        if (!request.dependsOn().isEmpty()) {
            Job draft = candidate;
            // One read: whether it must wait and, if so, for which job.
            QueueEntry waitsFor = store.read(r -> Dependencies.mustWait(r, caller, request.dependsOn())
                    ? Dependencies.entry(r, draft.toBuilder().awaitingDependencies(true).build(), settings, clock.instant())
                    : null);
            if (waitsFor != null && candidate.status() == PENDING) {
                checkWaitingQuota(caller, waiting, 1, settings);
                return SubmitResult.wouldQueue(waitsFor);
            }
        }
        if (candidate.status() == BLOCKED) {
            checkWaitingQuota(caller, waiting, 1, settings);
            return SubmitResult.wouldBlock(approvalReason(request, spec, settings));
        }
        QueuePlanner.Decided decided = passes.preview(candidate);
        Placement placement = decided.starts().get(candidate.id());
        if (placement != null) {
            return SubmitResult.wouldRun(placement);
        }
        QueueEntry entry = decided.entries().get(candidate.id());
        if (request.noWait()) {
            return SubmitResult.rejected(entry == null || entry.pendingReason() == null ? null
                    : entry.pendingReason().message());
        }
        checkWaitingQuota(caller, waiting, 1, settings);
        return SubmitResult.wouldQueue(entry);
    }

    /** The caller's waiting (pending or blocked) jobs. */
    private static long waitingJobs(JobReader reader, Caller caller) {
        return reader.count(new JobQuery(EnumSet.of(PENDING, BLOCKED), caller.userId(), JobQuery.Order.NEWEST_FIRST, 1, 0));
    }

    /**
     * Refuses {@code adding} jobs that would wait when the caller's waiting (pending or blocked) jobs
     * would then exceed {@code user_max_pending}; a job that starts at once never counts.
     */
    private static void checkWaitingQuota(Caller caller, long waiting, long adding, QueueSettings settings) {
        Integer quota = settings.userMaxPending();
        if (quota != null && adding > 0 && waiting + adding > quota) {
            throw new ConflictException("user " + caller.name() + " already has " + waiting
                    + " waiting jobs (pending or blocked)" + (adding == 1
                            ? ", the user_max_pending limit of " + quota + ", and this job would wait too"
                            : "; with the " + adding + " jobs of this array that would wait, that passes the"
                                    + " user_max_pending limit of " + quota)
                    + "; wait for some to start, or cancel some, then submit again");
        }
    }

    private Job newJob(Caller caller, SubmitRequest request, String configName, JobSpec spec, QueueSettings settings,
            Instant now) {
        boolean needsApproval = ApprovalRules.approvalReason(request.requiresApproval(), spec.estimatedCost(), settings)
                .isPresent();
        Map<String, String> metadata = new LinkedHashMap<>(request.metadata());
        if (spec.runName() != null) {
            metadata.putIfAbsent("run_name", spec.runName());
        }
        Job job = Job.builder()
                .id(JobId.generate())
                .type(request.provider() != null ? JobType.CLOUD : JobType.LOCAL)
                .provider(request.provider())
                .configName(configName)
                .spec(spec)
                .submitter(caller.asSubmitter())
                .priority(caller.level().basePriority())
                .status(needsApproval ? BLOCKED : PENDING)
                .target(request.target())
                .anyGpu(request.anyGpu())
                .workerLabels(request.workerLabels())
                .requiresApproval(needsApproval)
                .queuedAt(now)
                .agingSince(needsApproval ? null : now)
                .metadata(metadata)
                .idempotencyKey(request.idempotencyKey())
                .dependsOn(request.dependsOn())
                .build();
        if (job.wantsLocalGpus()) {
            GpuPlacement.neverFitReason(spec, request.anyGpu(), gpus.indices(), settings).ifPresent(why -> {
                // An auto job too big for this machine is fine while an online worker could take it.
                if (job.target() == Target.LOCAL || workers.get().stream().noneMatch(w -> WorkerMatching.canRun(job, w))) {
                    throw new ValidationException("can never fit: " + why);
                }
            });
        }
        return job;
    }

    private static String approvalReason(SubmitRequest request, JobSpec spec, QueueSettings settings) {
        return ApprovalRules.approvalReason(request.requiresApproval(), spec.estimatedCost(), settings).orElse("");
    }

    private static boolean startsIn(PassPlan plan, JobId id) {
        return plan.starts().stream().anyMatch(s -> s.job().id().equals(id));
    }

    /** Why a job the pass did not start waits (for one beyond the planned prefix, from the saturated plan). */
    private static String reasonIn(PassPlan plan, Job job) {
        PendingReason reason = plan.reasonFor(job);
        return reason == null ? "could not start at once" : reason.message();
    }

    private static QueueEntry entryIn(List<QueueEntry> entries, JobId id) {
        return entries.stream().filter(e -> e.job().id().equals(id)).findFirst().orElse(null);
    }

    private SubmitResult resultFor(Job job) {
        return resultFor(job, null);
    }

    private SubmitResult resultFor(Job job, QueueEntry entry) {
        return switch (job.status()) {
            case RUNNING -> SubmitResult.running(job);
            case BLOCKED -> SubmitResult.blocked(job, PendingReason.awaitingApproval().message());
            case PENDING -> SubmitResult.queued(job, entry != null ? entry : pendingEntry(job.id()));
            default -> SubmitResult.alreadyEnded(job);
        };
    }

    private QueueEntry pendingEntry(JobId id) {
        Instant now = clock.instant();
        return store.read(r -> r.find(id).filter(job -> job.status() == PENDING)
                .map(job -> job.awaitingDependencies() ? Dependencies.entry(r, job, r.settings(), now)
                        : planner.decide(r, now, List.of(job), null).entries().get(id))
                .orElse(null));
    }

    /** Thrown inside the submit transaction to roll it back when a no_wait job cannot start at once. */
    private static final class NoWaitRejection extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NoWaitRejection(String reason) {
            super(reason, null, false, false);
        }
    }
}
