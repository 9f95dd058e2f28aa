package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.model.JobStatus.BLOCKED;
import static dev.gpuqueue.core.model.JobStatus.PENDING;
import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.error.JobNotFoundException;
import dev.gpuqueue.core.error.PermissionDeniedException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.PendingReason;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.QueueStats;
import dev.gpuqueue.core.model.UserQueueStatus;
import dev.gpuqueue.core.policy.DispatchOrder;
import dev.gpuqueue.core.policy.Permissions;
import dev.gpuqueue.core.policy.WaitTimes;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.port.JobQuery;
import dev.gpuqueue.core.port.JobReader;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.StoreHealth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * What the queue answers without changing anything: a job and its history, positions, the queue
 * listing, job lists, a user's own view, statistics, settings, and event subscriptions. Every read
 * is one store read (a consistent snapshot); researchers and viewers see only their own jobs.
 * Thread-safe.
 */
final class QueueQueries {
    private static final Comparator<Job> OLDEST_FIRST =
            Comparator.comparing(Job::queuedAt).thenComparingLong(Job::seq);
    private static final Comparator<Job> BY_START = Comparator.comparing(Job::startedAt).thenComparingLong(Job::seq);

    private final JobStore store;
    private final QueuePlanner planner;
    private final GpuInventory gpus;
    private final EventStream events;
    private final Clock clock;

    QueueQueries(JobStore store, QueuePlanner planner, GpuInventory gpus, EventStream events, Clock clock) {
        this.store = store;
        this.planner = planner;
        this.gpus = gpus;
        this.events = events;
        this.clock = clock;
    }

    QueueSettings settings() {
        return store.read(JobReader::settings);
    }

    /** The job, if the caller may see it (owner, lead, admin). */
    Job job(Caller caller, JobId id) {
        return store.read(r -> visibleJob(r, caller, id, "see"));
    }

    /** The job's history, oldest first. */
    List<QueueEvent> events(Caller caller, JobId id) {
        return store.read(r -> {
            visibleJob(r, caller, id, "see");
            return r.events(id);
        });
    }

    /** Where a job stands; position, reason and estimated wait only while it is pending. */
    PositionInfo position(Caller caller, JobId id) {
        Instant now = clock.instant();
        return store.read(r -> {
            Job job = visibleJob(r, caller, id, "see");
            QueueSettings settings = r.settings();
            if (job.status() != PENDING) {
                return new PositionInfo(job, DispatchOrder.effectivePriority(job, settings, now), null, null, null);
            }
            if (job.awaitingDependencies()) {
                QueueEntry entry = Dependencies.entry(r, job, settings, now);
                return new PositionInfo(job, entry.effectivePriority(), null, entry.pendingReason(), null);
            }
            QueueEntry entry = planner.decide(r, now, List.of(job), null).entries().get(id);
            Duration median = WaitTimes.medianRunTime(r.runsCompletedSince(now.minus(WaitTimes.WINDOW)), now);
            return new PositionInfo(job, entry.effectivePriority(), entry.position(), entry.pendingReason(),
                    WaitTimes.estimatedWaitSeconds(entry.position(), settings.maxConcurrent(), median));
        });
    }

    /**
     * The queue listing: without a status, pending jobs in dispatch order, then those awaiting their
     * dependencies (by submit), then blocked (oldest first), then running (by start), then — with
     * {@code includeCompleted} — terminal jobs, most recently completed first. With an array id,
     * that array's jobs by index. Researchers and viewers see only their own jobs.
     */
    QueuePage queue(Caller caller, QueueQuery query) {
        return store.read(r -> {
            Long only = Permissions.seesEveryone(caller) ? null : caller.userId();
            JobStatus status = query.status();
            QueueSettings settings = r.settings();
            Instant now = clock.instant();
            Map<JobStatus, Long> counts = r.countByStatus();
            if (query.arrayId() != null) {
                return new QueuePage(arrayPage(r, query, only, settings, now), counts.get(PENDING), counts.get(RUNNING));
            }
            Window window = new Window(query.offset(), query.limit());
            if (status == null || status == PENDING) {
                List<Job> awaiting = r.awaitingDependencies().stream()
                        .filter(j -> j.status() == PENDING && visible(j, only)).toList();
                long pending = (only == null ? counts.get(PENDING) : r.count(ownJobs(caller, PENDING))) - awaiting.size();
                window.take(pending, (skip, take) -> only == null
                        ? planner.firstEntries(r, now, skip + take).stream().skip(skip).toList()
                        : planner.decide(r, now,
                                r.pendingOfUserInDispatchOrder(only, settings, now, take, skip), null)
                                .entries().values().stream().sorted(Comparator.comparing(QueueEntry::position)).toList());
                window.take(awaiting.size(), (skip, take) -> awaiting.stream().skip(skip).limit(take)
                        .map(j -> Dependencies.entry(r, j, settings, now)).toList());
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
                Set<JobStatus> statuses = status == null ? JobStatus.TERMINAL : EnumSet.of(status);
                window.take(Long.MAX_VALUE, (skip, take) -> r.list(new JobQuery(statuses, only,
                                JobQuery.Order.RECENTLY_COMPLETED_FIRST, take, skip)).stream()
                        .map(j -> new QueueEntry(j, DispatchOrder.effectivePriority(j, settings, now), null, null)).toList());
            }
            return new QueuePage(window.page(), counts.get(PENDING), counts.get(RUNNING));
        });
    }

    /** One page of an array's jobs by index: positions and reasons for the waiting ones. */
    private List<QueueEntry> arrayPage(JobReader r, QueueQuery query, Long only, QueueSettings settings, Instant now) {
        List<Job> page = r.arrayJobs(query.arrayId()).stream()
                .filter(j -> visible(j, only) && (query.status() == null || j.status() == query.status()))
                .skip(query.offset()).limit(query.limit()).toList();
        Map<JobId, QueueEntry> decided = planner.decide(r, now, page.stream().filter(Job::dispatchable).toList(), null)
                .entries();
        return page.stream().map(j -> {
            if (j.dispatchable()) {
                return decided.get(j.id());
            }
            if (j.awaitingDependencies() && j.status() == PENDING) {
                return Dependencies.entry(r, j, settings, now);
            }
            PendingReason reason = j.status() == BLOCKED ? PendingReason.awaitingApproval() : null;
            return new QueueEntry(j, DispatchOrder.effectivePriority(j, settings, now), null, reason);
        }).toList();
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
    JobsPage jobs(Caller caller, JobsQuery query) {
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
    UserQueueStatus me(Caller caller, int limit, int offset) {
        QueueQuery.checkPage(limit, offset);
        return store.read(r -> {
            QueueSettings settings = r.settings();
            Instant now = clock.instant();
            long pendingCount = r.count(ownJobs(caller, PENDING));
            List<Job> page = r.pendingOfUserInDispatchOrder(caller.userId(), settings, now, limit, offset);
            List<QueueEntry> pending = planner.decide(r, now, page, null).entries().values().stream()
                    .sorted(Comparator.comparing(QueueEntry::position)).toList();
            Integer best = null;
            List<Job> first = offset == 0 ? List.of() : r.pendingOfUserInDispatchOrder(caller.userId(), settings, now, 1, 0);
            if (offset == 0 && !pending.isEmpty()) {
                best = pending.get(0).position();
            } else if (!first.isEmpty()) {
                best = (int) Math.min(Integer.MAX_VALUE, r.countPendingAhead(first.get(0), settings, now) + 1);
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
    QueueStats stats() {
        Instant now = clock.instant();
        SortedSet<Integer> installed = gpus.indices();
        return store.read(r -> {
            QueueSettings settings = r.settings();
            Map<JobStatus, Long> byStatus = r.countByStatus();
            List<Job> running = r.withStatus(RUNNING);
            SortedSet<Integer> allocated = new TreeSet<>();
            long localRunning = 0;
            for (Job job : running) {
                if (job.placement().isLocal()) {
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
            Double avgWait = WaitTimes.averageWaitSeconds(r.waitsStartedSince(now.minus(WaitTimes.WINDOW)), now);
            return new QueueStats(byStatus.get(PENDING), byStatus.get(RUNNING), settings, avgWait, byStatus,
                    r.activeCountByUser(), local);
        });
    }

    /** Whether the store can be written now, answered without waiting (for health checks). */
    StoreHealth storeHealth() {
        return store.health();
    }

    /** Which running job holds each local GPU now (GPU index → job id), for the allocation view. */
    Map<Integer, JobId> gpuHolders() {
        return store.read(r -> {
            Map<Integer, JobId> holders = new TreeMap<>();
            for (Job job : r.withStatus(RUNNING)) {
                job.allocatedGpus().forEach(gpu -> holders.put(gpu, job.id()));
            }
            return holders;
        });
    }

    /**
     * The events after {@code afterId} (stored history, then live) that the caller may see: all of
     * them for leads and admins; for others their own jobs' events and settings changes. With
     * {@code jobId}, only that job's events (after the permission check).
     */
    Subscription subscribe(Caller caller, long afterId, JobId jobId) {
        if (jobId != null) {
            job(caller, jobId);
        }
        boolean everyone = Permissions.seesEveryone(caller);
        return events.subscribe(afterId, event -> everyone || event.type() == QueueEvent.Type.SETTINGS_CHANGED
                || event.type().isJobEvent() && Long.valueOf(caller.userId()).equals(event.userId()), jobId);
    }

    long lastEventId() {
        return events.lastId();
    }

    /** The job, after the permission check (403 for another user's job, before any state is looked at). */
    static Job visibleJob(JobReader reader, Caller caller, JobId id, String action) {
        Job job = reader.find(id).orElseThrow(() -> new JobNotFoundException(id));
        Permissions.requireOwnerOrLead(caller, job, action);
        return job;
    }
}
