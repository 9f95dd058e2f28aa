package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.model.JobStatus.BLOCKED;
import static dev.gpuqueue.core.model.JobStatus.PENDING;
import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.IllegalTransitionException;
import dev.gpuqueue.core.error.JobNotFoundException;
import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.error.PermissionDeniedException;
import dev.gpuqueue.core.error.StaleReportException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobEvent;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.JobType;
import dev.gpuqueue.core.model.PendingReason;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.QueueStats;
import dev.gpuqueue.core.model.Target;
import dev.gpuqueue.core.model.UserQueueStatus;
import dev.gpuqueue.core.policy.ApprovalRules;
import dev.gpuqueue.core.policy.DispatchOrder;
import dev.gpuqueue.core.policy.GpuPlacement;
import dev.gpuqueue.core.policy.PassPlan;
import dev.gpuqueue.core.policy.Permissions;
import dev.gpuqueue.core.policy.WaitTimes;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.JobConfigs;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.port.JobQuery;
import dev.gpuqueue.core.port.JobReader;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.JobTransaction;
import dev.gpuqueue.core.port.StoreHealth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

/**
 * The queue's one inbound facade: everything a user, an HTTP handler, a CLI or an embedding trainer
 * asks of the queue, and the callbacks of runners. Every state change is one store transaction that
 * also appends to the job's events; permissions are checked before state. A scheduling pass follows
 * a submit, an approval, a priority change, a settings change and every attempt outcome — never a
 * cancellation. Thread-safe.
 */
public final class QueueService {
    private static final Set<JobStatus> TERMINAL = EnumSet.of(JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED);
    private static final Comparator<Job> OLDEST_FIRST =
            Comparator.comparing(Job::queuedAt).thenComparingLong(Job::seq);
    private static final Comparator<Job> BY_START = Comparator.comparing(Job::startedAt).thenComparingLong(Job::seq);

    public static final int CLEANUP_DEFAULT_DAYS = 30;

    private final JobStore store;
    private final JobConfigs configs;
    private final JobLogs logs;
    private final Scheduler scheduler;
    private final Clock clock;

    public QueueService(JobStore store, JobConfigs configs, JobLogs logs, Scheduler scheduler, Clock clock) {
        this.store = store;
        this.configs = configs;
        this.logs = logs;
        this.scheduler = scheduler;
        this.clock = clock;
    }

    // ---- submit ----------------------------------------------------------------------------------

    /**
     * Submits a job: resolves its config, refuses what can never fit, blocks it when it needs
     * approval, and otherwise queues it and runs a pass in the same transaction, so the answer says
     * whether it started. With {@code no_wait} the job is stored only if it starts at once; with
     * {@code dry_run} nothing is stored. An idempotency key already used by this caller returns the
     * original job.
     */
    public SubmitResult submit(Caller caller, SubmitRequest request) {
        String configName = JobConfigs.checkName(request.configName());
        if (request.idempotencyKey() != null) {
            Optional<Job> original = store.read(r -> r.findByIdempotencyKey(caller.userId(), request.idempotencyKey()));
            if (original.isPresent()) {
                return resultFor(original.get());
            }
        }
        JobSpec spec = request.spec() != null ? request.spec() : configs.resolve(configName);
        if (request.provider() != null && !scheduler.hasDispatcher(request.provider())) {
            throw new ValidationException("unknown provider '" + request.provider() + "'; registered: "
                    + new TreeSet<>(scheduler.providers()));
        }
        if (request.dryRun()) {
            return preview(caller, request, configName, spec);
        }
        Instant now = clock.instant();
        AtomicReference<Job> stored = new AtomicReference<>();
        try {
            AtomicReference<Long> waitingBefore = new AtomicReference<>();
            PassResult pass = scheduler.runPassAfter(tx -> {
                waitingBefore.set(waitingJobs(tx, caller));
                Job job = newJob(caller, request, configName, spec, tx.settings(), now);
                Job inserted = tx.insert(job);
                tx.append(JobEvent.of(null, inserted, now, caller.name(), JobEvent.Type.SUBMITTED,
                        inserted.status() == BLOCKED ? "awaiting approval: " + approvalReason(request, spec, tx.settings())
                                : "queued"));
                stored.set(inserted);
            }, plan -> {
                Job job = stored.get();
                boolean waits = job.status() == BLOCKED || job.status() == PENDING && !startsIn(plan, job.id());
                if (waits && request.noWait() && job.status() == PENDING) {
                    throw new NoWaitRejection(reasonIn(plan, job));
                }
                if (waits) {
                    checkWaitingQuota(caller, waitingBefore.get(), plan.tail().input().settings());
                }
            });
            JobId id = stored.get().id();
            Optional<Job> startedNow = pass.started().stream().filter(j -> j.id().equals(id)).findFirst();
            if (startedNow.isPresent()) {
                return resultFor(startedNow.get(), null);
            }
            Job current = store.read(r -> r.find(id)).orElse(stored.get());
            return resultFor(current, entryIn(pass.waiting(), id));
        } catch (NoWaitRejection rejection) {
            return new SubmitResult(false, null, SubmitResult.Outcome.REJECTED, List.of(), null, null, false,
                    rejection.getMessage(), null);
        } catch (ConflictException duplicateKey) {
            if (request.idempotencyKey() != null) {
                Optional<Job> original = store.read(r -> r.findByIdempotencyKey(caller.userId(), request.idempotencyKey()));
                if (original.isPresent()) {
                    return resultFor(original.get());
                }
            }
            throw duplicateKey;
        }
    }

    private SubmitResult preview(Caller caller, SubmitRequest request, String configName, JobSpec spec) {
        QueueSettings settings = store.read(JobReader::settings);
        long waiting = store.read(r -> waitingJobs(r, caller));
        Job candidate = newJob(caller, request, configName, spec, settings, clock.instant())
                .toBuilder().id(JobId.of("dry-run")).seq(Long.MAX_VALUE).build();
        if (candidate.status() == BLOCKED) {
            checkWaitingQuota(caller, waiting, settings);
            return new SubmitResult(true, null, SubmitResult.Outcome.BLOCKED, List.of(), null, null, true,
                    approvalReason(request, spec, settings), null);
        }
        QueuePlanner.Decided decided = scheduler.preview(candidate);
        Placement placement = decided.starts().get(candidate.id());
        if (placement != null) {
            return new SubmitResult(true, null, SubmitResult.Outcome.RUNNING, placement.gpus(), placement.workerId(), null,
                    false, null, null);
        }
        QueueEntry entry = decided.entries().get(candidate.id());
        String reason = entry == null || entry.pendingReason() == null ? null : entry.pendingReason().message();
        if (request.noWait()) {
            return new SubmitResult(false, null, SubmitResult.Outcome.REJECTED, List.of(), null, null, false, reason, null);
        }
        checkWaitingQuota(caller, waiting, settings);
        return new SubmitResult(true, null, SubmitResult.Outcome.QUEUED, List.of(), null,
                entry == null ? null : entry.position(), false, reason, null);
    }

    /** The caller's waiting (pending or blocked) jobs. */
    private static long waitingJobs(JobReader reader, Caller caller) {
        return reader.count(new JobQuery(EnumSet.of(PENDING, BLOCKED), caller.userId(), JobQuery.Order.NEWEST_FIRST, 1, 0));
    }

    /**
     * Refuses a job that would wait while the caller already has {@code user_max_pending} waiting
     * (pending or blocked) jobs; a job that starts at once never counts.
     */
    private static void checkWaitingQuota(Caller caller, long waiting, QueueSettings settings) {
        Integer quota = settings.userMaxPending();
        if (quota != null && waiting >= quota) {
            throw new ConflictException("user " + caller.name() + " already has " + waiting
                    + " waiting jobs (pending or blocked), the user_max_pending limit of " + quota
                    + ", and this job would wait too; wait for some to start, or cancel some, then submit again");
        }
    }

    private Job newJob(Caller caller, SubmitRequest request, String configName, JobSpec spec, QueueSettings settings,
            Instant now) {
        JobType type = request.provider() != null ? JobType.CLOUD : JobType.LOCAL;
        if (type == JobType.LOCAL && request.target() != Target.WORKER) {
            GpuPlacement.neverFitReason(spec, request.anyGpu(), scheduler.gpus().indices(), settings).ifPresent(why -> {
                throw new ValidationException("can never fit: " + why);
            });
        }
        boolean needsApproval = ApprovalRules.approvalReason(request.requiresApproval(), spec.estimatedCost(), settings)
                .isPresent();
        Map<String, String> metadata = new LinkedHashMap<>(request.metadata());
        if (spec.runName() != null) {
            metadata.putIfAbsent("run_name", spec.runName());
        }
        return Job.builder()
                .id(JobId.generate())
                .type(type)
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
                .build();
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
        return resultFor(job, job.status() == PENDING ? pendingEntry(job.id()) : null);
    }

    private SubmitResult resultFor(Job job, QueueEntry entry) {
        return switch (job.status()) {
            case RUNNING -> new SubmitResult(true, job.id(), SubmitResult.Outcome.RUNNING, job.allocatedGpus(),
                    job.placement().workerId(), null, job.requiresApproval(), null, job);
            case BLOCKED -> new SubmitResult(true, job.id(), SubmitResult.Outcome.BLOCKED, List.of(), null, null, true,
                    PendingReason.awaitingApproval().message(), job);
            case PENDING -> {
                QueueEntry e = entry != null ? entry : pendingEntry(job.id());
                yield new SubmitResult(true, job.id(), SubmitResult.Outcome.QUEUED, List.of(), null,
                        e == null ? null : e.position(), job.requiresApproval(),
                        e == null || e.pendingReason() == null ? null : e.pendingReason().message(), job);
            }
            // An idempotent repeat of a job that has since ended, or a launch that failed on the last attempt.
            default -> new SubmitResult(true, job.id(), SubmitResult.Outcome.QUEUED, List.of(), null, null,
                    job.requiresApproval(), "the job is already " + job.status().wireName()
                            + (job.errorMessage() == null ? "" : ": " + job.errorMessage()), job);
        };
    }

    private QueueEntry pendingEntry(JobId id) {
        Instant now = clock.instant();
        return store.read(r -> r.find(id).filter(job -> job.status() == PENDING)
                .map(job -> scheduler.planner().decide(r, now, List.of(job), null).entries().get(id))
                .orElse(null));
    }

    /** Thrown inside the submit transaction to roll it back when a no_wait job cannot start at once. */
    private static final class NoWaitRejection extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NoWaitRejection(String reason) {
            super(reason, null, false, false);
        }
    }

    // ---- cancel ----------------------------------------------------------------------------------

    /**
     * Cancels a pending or blocked job ({@code POST /api/queue/{id}/cancel}). A running job is a
     * conflict pointing to {@link #cancel}. No scheduling pass follows.
     */
    public Job cancelWaiting(Caller caller, JobId id) {
        Instant now = clock.instant();
        return store.inTransaction(tx -> {
            Job job = visibleJob(tx, caller, id, "cancel");
            if (job.status() == RUNNING) {
                throw new ConflictException("job " + id + " is running; stop it with POST /api/jobs/" + id + "/cancel");
            }
            return commitCancel(tx, job, caller, now);
        });
    }

    /**
     * Cancels any active job. A running job is stopped first (polite signal, grace period, forced
     * stop) and this returns once it is gone; its GPUs are then free. No scheduling pass follows.
     */
    public Job cancel(Caller caller, JobId id) {
        while (true) {
            Job job = store.read(r -> visibleJob(r, caller, id, "cancel"));
            if (job.status() == RUNNING) {
                try {
                    return scheduler.stopAndRecord(job, AttemptEnd.cancelled(job, caller.name(), clock.instant()));
                } catch (StaleReportException endedMeanwhile) {
                    continue; // read it again: a terminal job is then refused, a requeued one cancelled as waiting
                }
            }
            Instant now = clock.instant();
            Optional<Job> cancelled = store.inTransaction(tx -> {
                Job current = tx.find(id).orElseThrow(() -> new JobNotFoundException(id));
                // Dispatched since it was read: go round again and stop the process instead.
                return current.status() == RUNNING ? Optional.<Job>empty() : Optional.of(commitCancel(tx, current, caller, now));
            });
            if (cancelled.isPresent()) {
                return cancelled.get();
            }
        }
    }

    private static Job commitCancel(JobTransaction tx, Job job, Caller caller, Instant now) {
        Job cancelled = tx.update(job, job.cancelled(now));
        tx.append(JobEvent.of(job, cancelled, now, caller.name(), JobEvent.Type.CANCELLED, "cancelled by " + caller.name()));
        return cancelled;
    }

    // ---- approval and priority -------------------------------------------------------------------

    /** Approves a blocked job (admin): it becomes pending, ages from now, and a pass runs. */
    public Job approve(Caller caller, JobId id) {
        Permissions.requireAdmin(caller, "approving jobs");
        Instant now = clock.instant();
        Job approved = store.inTransaction(tx -> {
            Job job = tx.find(id).orElseThrow(() -> new JobNotFoundException(id));
            Job next = tx.update(job, job.approved(caller.userId(), now));
            tx.append(JobEvent.of(job, next, now, caller.name(), JobEvent.Type.APPROVED, "approved by " + caller.name()));
            return next;
        });
        scheduler.runOnce();
        return store.read(r -> r.find(id)).orElse(approved);
    }

    /** Rejects a blocked job (admin) with a reason: it fails with "Rejected: reason". */
    public Job reject(Caller caller, JobId id, String reason) {
        Permissions.requireAdmin(caller, "rejecting jobs");
        if (reason == null || reason.isBlank()) {
            throw new ValidationException("reason is required to reject a job");
        }
        Instant now = clock.instant();
        return store.inTransaction(tx -> {
            Job job = tx.find(id).orElseThrow(() -> new JobNotFoundException(id));
            Job next = tx.update(job, job.rejected(reason.strip(), caller.userId(), now));
            tx.append(JobEvent.of(job, next, now, caller.name(), JobEvent.Type.REJECTED, next.errorMessage()));
            return next;
        });
    }

    /** Sets ({@code 0..50}) or clears ({@code null}) a waiting job's priority override (lead, admin); a pass runs. */
    public PriorityChange setPriority(Caller caller, JobId id, Integer override) {
        Permissions.requireLead(caller, "changing a job's priority");
        Job.checkPriorityOverride(override);
        Instant now = clock.instant();
        PriorityChange change = store.inTransaction(tx -> {
            QueueSettings settings = tx.settings();
            Job job = tx.find(id).orElseThrow(() -> new JobNotFoundException(id));
            int before = DispatchOrder.effectivePriority(job, settings, now);
            Job next = tx.update(job, job.withPriorityOverride(override));
            tx.append(JobEvent.of(job, next, now, caller.name(), JobEvent.Type.PRIORITY_CHANGED,
                    "priority override " + describe(override) + " (was " + describe(job.priorityOverride()) + ")"));
            return new PriorityChange(next, before, DispatchOrder.effectivePriority(next, settings, now));
        });
        scheduler.runOnce();
        return change;
    }

    private static String describe(Integer override) {
        return override == null ? "none" : override.toString();
    }

    // ---- settings --------------------------------------------------------------------------------

    public QueueSettings settings() {
        return store.read(JobReader::settings);
    }

    /** Applies a partial settings change (admin), validated as a whole; a pass runs with the new limits. */
    public QueueSettings updateSettings(Caller caller, SettingsUpdate update) {
        Permissions.requireAdmin(caller, "changing queue settings");
        QueueSettings next = store.inTransaction(tx -> {
            QueueSettings changed = update.applyTo(tx.settings());
            tx.saveSettings(changed);
            return changed;
        });
        scheduler.runOnce();
        return next;
    }

    // ---- reads -----------------------------------------------------------------------------------

    /** The job, if the caller may see it (owner, lead, admin). */
    public Job job(Caller caller, JobId id) {
        return store.read(r -> visibleJob(r, caller, id, "see"));
    }

    /** The job's history, oldest first. */
    public List<JobEvent> events(Caller caller, JobId id) {
        return store.read(r -> {
            visibleJob(r, caller, id, "see");
            return r.events(id);
        });
    }

    /** Where a job stands; position, reason and estimated wait only while it is pending. */
    public PositionInfo position(Caller caller, JobId id) {
        Instant now = clock.instant();
        return store.read(r -> {
            Job job = visibleJob(r, caller, id, "see");
            QueueSettings settings = r.settings();
            if (job.status() != PENDING) {
                return new PositionInfo(job, DispatchOrder.effectivePriority(job, settings, now), null, null, null);
            }
            QueueEntry entry = scheduler.planner().decide(r, now, List.of(job), null).entries().get(id);
            Duration median = WaitTimes.medianRunTime(r.completedSince(now.minus(WaitTimes.WINDOW)), now);
            return new PositionInfo(job, entry.effectivePriority(), entry.position(), entry.pendingReason(),
                    WaitTimes.estimatedWaitSeconds(entry.position(), settings.maxConcurrent(), median));
        });
    }

    /**
     * The queue listing: without a status, pending jobs in dispatch order, then blocked (oldest
     * first), then running (by start), then — with {@code includeCompleted} — terminal jobs, most
     * recently completed first. Researchers and viewers see only their own jobs.
     */
    public QueuePage queue(Caller caller, QueueQuery query) {
        return store.read(r -> {
            Long only = Permissions.seesEveryone(caller) ? null : caller.userId();
            JobStatus status = query.status();
            QueueSettings settings = r.settings();
            Instant now = clock.instant();
            Map<JobStatus, Long> counts = r.countByStatus();
            Window window = new Window(query.offset(), query.limit());
            if (status == null || status == PENDING) {
                long pending = only == null ? counts.get(PENDING) : r.count(ownJobs(caller, PENDING));
                window.take(pending, (skip, take) -> only == null
                        ? scheduler.planner().firstEntries(r, now, skip + take).stream().skip(skip).toList()
                        : scheduler.planner().decide(r, now,
                                r.pendingOfUserInDispatchOrder(only, settings, now, take, skip), null)
                                .entries().values().stream().sorted(Comparator.comparing(QueueEntry::position)).toList());
            }
            if (status == null || status == BLOCKED) {
                List<Job> blocked = r.withStatus(BLOCKED).stream().filter(j -> visible(j, only)).sorted(OLDEST_FIRST).toList();
                window.take(blocked.size(), (skip, take) -> blocked.stream().skip(skip).limit(take)
                        .map(j -> new QueueEntry(j, DispatchOrder.effectivePriority(j, settings, now), null,
                                PendingReason.awaitingApproval())).toList());
            }
            if (status == null || status == RUNNING) {
                List<Job> running = r.withStatus(RUNNING).stream().filter(j -> visible(j, only)).sorted(BY_START).toList();
                window.take(running.size(), (skip, take) -> running.stream().skip(skip).limit(take)
                        .map(j -> new QueueEntry(j, DispatchOrder.effectivePriority(j, settings, now), null, null)).toList());
            }
            boolean terminal = status == null ? query.includeCompleted() : status.isTerminal();
            if (terminal) {
                Set<JobStatus> statuses = status == null ? TERMINAL : EnumSet.of(status);
                window.take(Long.MAX_VALUE, (skip, take) -> r.list(new JobQuery(statuses, only,
                                JobQuery.Order.RECENTLY_COMPLETED_FIRST, take, skip)).stream()
                        .map(j -> new QueueEntry(j, DispatchOrder.effectivePriority(j, settings, now), null, null)).toList());
            }
            return new QueuePage(window.page(), counts.get(PENDING), counts.get(RUNNING));
        });
    }

    /** A page ({@code offset}, {@code limit}) over listing sections taken one after the other. Not thread-safe. */
    private static final class Window {
        private final List<QueueEntry> page = new ArrayList<>();
        private long skip;
        private final int limit;

        Window(int offset, int limit) {
            this.skip = offset;
            this.limit = limit;
        }

        /** Takes what the page needs from a section of {@code size} entries; {@code read(skip, take)} reads them. */
        void take(long size, BiFunction<Integer, Integer, List<QueueEntry>> read) {
            int room = limit - page.size();
            if (room > 0 && skip < size) {
                page.addAll(read.apply((int) skip, room));
            }
            skip = Math.max(0, skip - size);
        }

        List<QueueEntry> page() {
            return page;
        }
    }

    private static boolean visible(Job job, Long onlyUser) {
        return onlyUser == null || job.userId() == onlyUser;
    }

    /** All jobs, newest first, optionally of one status or one user. Researchers and viewers list only their own. */
    public JobsPage jobs(Caller caller, JobsQuery query) {
        Long userId = query.userId();
        if (!Permissions.seesEveryone(caller)) {
            if (userId != null && userId != caller.userId()) {
                throw new PermissionDeniedException("listing another user's jobs needs the lead or admin level");
            }
            userId = caller.userId();
        }
        JobQuery q = new JobQuery(query.status() == null ? Set.of() : Set.of(query.status()), userId,
                JobQuery.Order.NEWEST_FIRST, query.limit(), query.offset());
        return store.read(r -> new JobsPage(r.list(q), r.count(q)));
    }

    /**
     * The caller's own view: total counts, best position, and one page ({@code limit} from
     * {@code offset}) of their pending jobs in dispatch order and of their running jobs by start.
     */
    public UserQueueStatus me(Caller caller, int limit, int offset) {
        QueueQuery.checkPage(limit, offset);
        return store.read(r -> {
            QueueSettings settings = r.settings();
            Instant now = clock.instant();
            long pendingCount = r.count(ownJobs(caller, PENDING));
            List<Job> page = r.pendingOfUserInDispatchOrder(caller.userId(), settings, now, limit, offset);
            List<QueueEntry> pending = scheduler.planner().decide(r, now, page, null).entries().values().stream()
                    .sorted(Comparator.comparing(QueueEntry::position)).toList();
            Integer best = null;
            if (offset == 0 && !pending.isEmpty()) {
                best = pending.get(0).position();
            } else if (pendingCount > 0) {
                Job first = r.pendingOfUserInDispatchOrder(caller.userId(), settings, now, 1, 0).get(0);
                best = (int) Math.min(Integer.MAX_VALUE, r.countPendingAhead(first, settings, now) + 1);
            }
            List<Job> running = r.withStatus(RUNNING).stream().filter(caller::owns).sorted(BY_START).toList();
            List<QueueEntry> runningPage = running.stream().skip(offset).limit(limit)
                    .map(j -> new QueueEntry(j, DispatchOrder.effectivePriority(j, settings, now), null, null)).toList();
            return new UserQueueStatus(Math.toIntExact(pendingCount), running.size(),
                    Math.toIntExact(r.count(ownJobs(caller, BLOCKED))), best, pending, runningPage);
        });
    }

    private static JobQuery ownJobs(Caller caller, JobStatus status) {
        return new JobQuery(EnumSet.of(status), caller.userId(), JobQuery.Order.NEWEST_FIRST, 1, 0);
    }

    /** Queue-wide statistics, including the local GPU picture. */
    public QueueStats stats() {
        Instant now = clock.instant();
        SortedSet<Integer> installed = scheduler.gpus().indices();
        return store.read(r -> {
            QueueSettings settings = r.settings();
            Map<JobStatus, Long> byStatus = r.countByStatus();
            List<Job> running = r.withStatus(RUNNING);
            SortedSet<Integer> allocated = new TreeSet<>();
            long localRunning = 0;
            for (Job job : running) {
                if (job.type() == JobType.LOCAL && !job.placement().onWorker()) {
                    localRunning++;
                    allocated.addAll(job.allocatedGpus());
                }
            }
            long localPending = r.countPendingForLocalGpus();
            SortedSet<Integer> available = new TreeSet<>(installed);
            available.removeAll(allocated);
            QueueStats.Local local = new QueueStats.Local(localRunning, localPending, List.copyOf(allocated),
                    List.copyOf(available), installed.size(), settings.localGpuMaxConcurrent(),
                    settings.localJobMaxConcurrent());
            Double avgWait = WaitTimes.averageWaitSeconds(r.startedSince(now.minus(WaitTimes.WINDOW)), now);
            return new QueueStats(byStatus.get(PENDING), byStatus.get(RUNNING), settings, avgWait, byStatus,
                    r.activeCountByUser(), local);
        });
    }

    /** Whether the store can be written now, answered without waiting (for health checks). */
    public StoreHealth storeHealth() {
        return store.health();
    }

    /** Which running job holds each local GPU now (GPU index → job id), for the allocation view. */
    public Map<Integer, JobId> gpuHolders() {
        return store.read(r -> {
            Map<Integer, JobId> holders = new TreeMap<>();
            for (Job job : r.withStatus(RUNNING)) {
                job.allocatedGpus().forEach(gpu -> holders.put(gpu, job.id()));
            }
            return holders;
        });
    }

    // ---- administration --------------------------------------------------------------------------

    /** Runs a scheduling pass now (admin). */
    public PassResult process(Caller caller) {
        Permissions.requireAdmin(caller, "processing the queue");
        return scheduler.runOnce();
    }

    /** Deletes terminal jobs completed more than {@code days} (1..365) ago, with their events and logs (admin). */
    public CleanupResult cleanup(Caller caller, int days) {
        Permissions.requireAdmin(caller, "cleaning up the queue");
        if (days < 1 || days > 365) {
            throw new LimitOutOfRangeException("days", days, "between 1 and 365");
        }
        Instant cutoff = clock.instant().minus(Duration.ofDays(days));
        List<JobId> deleted = store.inTransaction(tx -> tx.deleteTerminalCompletedBefore(cutoff));
        deleted.forEach(logs::delete);
        return new CleanupResult(days, deleted);
    }

    // ---- runner callbacks ------------------------------------------------------------------------

    /** A runner reports that attempt {@code attempt} exited with {@code exitCode} (0 = completed). */
    public void jobFinished(JobId id, int attempt, int exitCode) {
        scheduler.attemptEnded(id, attempt, AttemptOutcome.exited(exitCode));
    }

    /** A runner reports that attempt {@code attempt} failed without an exit code. */
    public void jobFailed(JobId id, int attempt, String message) {
        scheduler.attemptEnded(id, attempt, AttemptOutcome.failed(message));
    }

    /** A runner reports that attempt {@code attempt}'s outcome is unknown: requeue, or fail on the last attempt. */
    public void jobLost(JobId id, int attempt, String reason) {
        scheduler.attemptLost(id, attempt, reason);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** The job, after the permission check (403 for another user's job, before any state is looked at). */
    private static Job visibleJob(JobReader reader, Caller caller, JobId id, String action) {
        Job job = reader.find(id).orElseThrow(() -> new JobNotFoundException(id));
        Permissions.requireOwnerOrLead(caller, job, action);
        return job;
    }
}
