package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.error.IllegalTransitionException;
import dev.gpuqueue.core.error.JobIsRunningException;
import dev.gpuqueue.core.error.JobNotFoundException;
import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.error.StaleReportException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.Setting;
import dev.gpuqueue.core.policy.DispatchOrder;
import dev.gpuqueue.core.policy.Permissions;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.JobTransaction;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What users and admins do to jobs and to the queue: cancel, approve, reject, priority overrides,
 * settings, a pass on demand, cleanup. Each is one store transaction through {@link Transitions};
 * permissions are checked before state. A pass follows an approval, a priority change and a
 * settings change, never a cancellation. Thread-safe.
 */
final class JobCommands {
    private static final System.Logger LOG = System.getLogger(JobCommands.class.getName());
    static final int CLEANUP_MAX_DAYS = 365;

    private final JobStore store;
    private final Passes passes;
    private final AttemptReports reports;
    private final JobLogs logs;
    private final Clock clock;

    JobCommands(JobStore store, Passes passes, AttemptReports reports, JobLogs logs, Clock clock) {
        this.store = store;
        this.passes = passes;
        this.reports = reports;
        this.logs = logs;
        this.clock = clock;
    }

    // ---- cancel ----------------------------------------------------------------------------------

    /** Cancels a pending or blocked job; a running one is refused ({@link JobIsRunningException}). */
    Job cancelWaiting(Caller caller, JobId id) {
        Instant now = clock.instant();
        return store.inTransaction(tx -> {
            Job job = QueueQueries.visibleJob(tx, caller, id, "cancel");
            if (job.status() == RUNNING) {
                throw new JobIsRunningException(id);
            }
            return commitCancel(tx, job, caller, now);
        });
    }

    /** Cancels any active job; a running one is stopped first and this returns once it is gone. */
    Job cancel(Caller caller, JobId id) {
        while (true) {
            Job job = store.read(r -> QueueQueries.visibleJob(r, caller, id, "cancel"));
            if (job.status() == RUNNING) {
                try {
                    return reports.stopAndRecord(job, AttemptEnd.cancelled(job, caller.name(), clock.instant()));
                } catch (StaleReportException endedMeanwhile) {
                    continue; // read it again: a terminal job is then refused, a requeued one cancelled as waiting
                }
            }
            Instant now = clock.instant();
            Optional<Job> cancelled = store.inTransaction(tx -> {
                Job current = tx.find(id).orElseThrow(() -> new JobNotFoundException(id));
                // Dispatched since it was read: go round again and stop it instead.
                return current.status() == RUNNING ? Optional.<Job>empty() : Optional.of(commitCancel(tx, current, caller, now));
            });
            if (cancelled.isPresent()) {
                return cancelled.get();
            }
        }
    }

    /**
     * Cancels every active job of array {@code arrayId}: the waiting ones in one transaction (so no
     * pass starts one of them meanwhile), then the running ones, each stopped as by {@link #cancel}.
     * Returns the ids cancelled, by index.
     *
     * @throws JobNotFoundException when no such array exists (or the caller may not see it)
     */
    List<JobId> cancelArray(Caller caller, String arrayId) {
        Instant now = clock.instant();
        List<JobId> cancelled = new ArrayList<>();
        List<Job> running = store.inTransaction(tx -> {
            List<Job> members = tx.arrayJobs(arrayId);
            if (members.isEmpty()) {
                throw new JobNotFoundException(JobId.of(arrayId));
            }
            Permissions.requireOwnerOrLead(caller, members.get(0), "cancel");
            List<Job> stillRunning = new ArrayList<>();
            for (Job member : members) {
                Job current = tx.find(member.id()).orElseThrow();
                if (current.status() == RUNNING) {
                    stillRunning.add(current);
                } else if (current.status().isActive()) {
                    cancelled.add(commitCancel(tx, current, caller, now).id());
                }
            }
            return stillRunning;
        });
        for (Job job : running) {
            try {
                cancelled.add(cancel(caller, job.id()).id());
            } catch (IllegalTransitionException endedMeanwhile) {
                LOG.log(Level.DEBUG, "Job {0} of array {1} ended before its cancel", job.id(), arrayId);
            }
        }
        return cancelled;
    }

    private static Job commitCancel(JobTransaction tx, Job job, Caller caller, Instant now) {
        return Transitions.in(tx, caller.name(), now).move(job, job.cancelled(now), QueueEvent.Type.CANCELLED,
                "cancelled by " + caller.name());
    }

    // ---- approval and priority -------------------------------------------------------------------

    Job approve(Caller caller, JobId id) {
        Permissions.requireAdmin(caller, "approving jobs");
        Instant now = clock.instant();
        Job approved = store.inTransaction(tx -> {
            Job job = tx.find(id).orElseThrow(() -> new JobNotFoundException(id));
            return Transitions.in(tx, caller.name(), now).move(job, job.approved(caller.userId(), now),
                    QueueEvent.Type.APPROVED, "approved by " + caller.name());
        });
        passes.runOnce();
        return store.read(r -> r.find(id)).orElse(approved);
    }

    Job reject(Caller caller, JobId id, String reason) {
        Permissions.requireAdmin(caller, "rejecting jobs");
        if (reason == null || reason.isBlank()) {
            throw new ValidationException("reason is required to reject a job");
        }
        Instant now = clock.instant();
        return store.inTransaction(tx -> {
            Job job = tx.find(id).orElseThrow(() -> new JobNotFoundException(id));
            Job next = job.rejected(reason.strip(), caller.userId(), now);
            return Transitions.in(tx, caller.name(), now).move(job, next, QueueEvent.Type.REJECTED, next.errorMessage());
        });
    }

    PriorityChange setPriority(Caller caller, JobId id, Integer override) {
        Permissions.requireLead(caller, "changing a job's priority");
        Job.checkPriorityOverride(override);
        Instant now = clock.instant();
        PriorityChange change = store.inTransaction(tx -> {
            QueueSettings settings = tx.settings();
            Job job = tx.find(id).orElseThrow(() -> new JobNotFoundException(id));
            int before = DispatchOrder.effectivePriority(job, settings, now);
            Job next = Transitions.in(tx, caller.name(), now).move(job, job.withPriorityOverride(override),
                    QueueEvent.Type.PRIORITY_CHANGED,
                    "priority override " + describe(override) + " (was " + describe(job.priorityOverride()) + ")");
            return new PriorityChange(next, before, DispatchOrder.effectivePriority(next, settings, now));
        });
        passes.runOnce();
        return change;
    }

    private static String describe(Integer override) {
        return override == null ? "none" : override.toString();
    }

    // ---- settings --------------------------------------------------------------------------------

    /** Applies a partial change validated as a whole, records what changed as one event, then a pass. */
    QueueSettings updateSettings(Caller caller, SettingsUpdate update) {
        Permissions.requireAdmin(caller, "changing queue settings");
        Instant now = clock.instant();
        QueueSettings next = store.inTransaction(tx -> {
            QueueSettings before = tx.settings();
            QueueSettings changed = update.applyTo(before);
            tx.saveSettings(changed);
            String detail = changes(before, changed);
            if (!detail.isEmpty()) {
                tx.append(QueueEvent.settingsChanged(now, caller.name(), detail));
            }
            return changed;
        });
        passes.runOnce();
        return next;
    }

    /** What differs, setting by setting: {@code max_concurrent 5 → 8, enable_fair_share false → true}. */
    private static String changes(QueueSettings before, QueueSettings after) {
        List<String> changed = new ArrayList<>();
        for (Setting setting : Setting.values()) {
            Object was = setting.get(before);
            Object now = setting.get(after);
            if (!Objects.equals(was, now)) {
                changed.add(setting.wireName() + " " + was + " → " + now);
            }
        }
        return String.join(", ", changed);
    }

    // ---- administration --------------------------------------------------------------------------

    PassResult process(Caller caller) {
        Permissions.requireAdmin(caller, "processing the queue");
        return passes.runOnce();
    }

    /**
     * Deletes terminal jobs completed more than {@code days} ago, with their events, then their logs.
     * The deletion is what counts: a log that cannot be deleted is logged, never a failed cleanup.
     */
    CleanupResult cleanup(Caller caller, int days) {
        Permissions.requireAdmin(caller, "cleaning up the queue");
        if (days < 1 || days > CLEANUP_MAX_DAYS) {
            throw new LimitOutOfRangeException("days", days, "between 1 and " + CLEANUP_MAX_DAYS);
        }
        Instant cutoff = clock.instant().minus(Duration.ofDays(days));
        List<JobId> deleted = store.inTransaction(tx -> tx.deleteTerminalCompletedBefore(cutoff));
        for (JobId id : deleted) {
            try {
                logs.delete(id);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Job {0} was cleaned up, but its log could not be deleted: {1}", id, e.getMessage());
            }
        }
        return new CleanupResult(days, deleted);
    }
}
