package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.Dependency;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.port.JobTransaction;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The one way a job's state changes. Each step checks the move against {@link JobStatus}'s table
 * ({@code IllegalTransitionException} otherwise), writes the row compare-and-set (the store refuses
 * a row that changed since it was read) and appends the event that records it, all in the caller's
 * transaction: the change and its event commit together and are published together after the
 * commit. A job that ends settles the jobs waiting for it in the same transaction. Bound to one transaction; not thread-safe.
 */
final class Transitions {
    private final JobTransaction tx;
    private final String actor;
    private final Instant at;
    /** Jobs that ended in this step whose dependents are not settled yet. */
    private final Deque<Job> ended = new ArrayDeque<>();
    private boolean settling;

    private Transitions(JobTransaction tx, String actor, Instant at) {
        this.tx = tx;
        this.actor = Objects.requireNonNull(actor, "actor");
        this.at = Objects.requireNonNull(at, "at");
    }

    /** Steps in {@code tx}, made by {@code actor} (a user name, or the scheduler, a runner, recovery) at {@code at}. */
    static Transitions in(JobTransaction tx, String actor, Instant at) {
        return new Transitions(tx, actor, at);
    }

    /** Stores a new job (in one of the initial states) and its {@code submitted} event. */
    Job submit(Job job, String detail) {
        JobStatus.checkInitial(job.status());
        Job stored = tx.insert(job);
        tx.append(QueueEvent.of(null, stored, at, actor, QueueEvent.Type.SUBMITTED, detail));
        return stored;
    }

    /** Stores new jobs (an array's, in index order) and their {@code submitted} events, with {@code details} by job. */
    List<Job> submitAll(List<Job> jobs, List<String> details) {
        jobs.forEach(job -> JobStatus.checkInitial(job.status()));
        List<Job> stored = tx.insertAll(jobs);
        List<QueueEvent> events = new ArrayList<>(stored.size());
        for (int i = 0; i < stored.size(); i++) {
            events.add(QueueEvent.of(null, stored.get(i), at, actor, QueueEvent.Type.SUBMITTED, details.get(i)));
        }
        tx.appendAll(events);
        return stored;
    }

    /**
     * Moves {@code current} (as read in this transaction) to {@code next}; a change that keeps the
     * status (a launch recorded, a priority override) is allowed too. Returns the job as stored.
     */
    Job move(Job current, Job next, QueueEvent.Type type, String detail) {
        if (!current.id().equals(next.id())) {
            throw new IllegalArgumentException("a transition changes one job, not " + current.id() + " into " + next.id());
        }
        if (current.status() != next.status()) {
            current.status().checkMoveTo(next.status());
        }
        Job stored = tx.update(current, next);
        tx.append(QueueEvent.of(current, stored, at, actor, type, detail));
        if (stored.status().isTerminal()) {
            ended.add(stored);
            settleAll();
        }
        return stored;
    }

    /**
     * Settles the dependents of every job that ended in this step, and of those it cancels in turn,
     * one after the other (a queue, not recursion: a chain of any length is settled in one go).
     */
    private void settleAll() {
        if (settling) {
            return;
        }
        settling = true;
        try {
            while (!ended.isEmpty()) {
                settleDependents(ended.poll());
            }
        } finally {
            settling = false;
        }
    }

    /**
     * The jobs waiting for {@code ended}, judged now that it has ended, in the same transaction: one
     * whose dependencies are all met joins the dispatch order; one with a dependency that can never
     * be met is cancelled, naming it (an event on both jobs; its own dependents follow the same way).
     */
    private void settleDependents(Job ended) {
        for (Job dependent : tx.awaiting(ended.id())) {
            Job current = tx.find(dependent.id()).orElseThrow();
            if (!current.awaitingDependencies()) {
                continue;
            }
            String never = null;
            boolean allMet = true;
            for (Dependency dependency : current.dependsOn()) {
                Optional<JobStatus> status = tx.find(dependency.jobId()).map(Job::status);
                // A job depended on is gone only when cleanup removed it, long after it ended; had it
                // ended the wrong way, this job would have been cancelled then: so it was met.
                Dependency.State state = status.map(dependency.condition()::stateFor).orElse(Dependency.State.MET);
                if (state == Dependency.State.NEVER && never == null) {
                    never = dependency.neverReason(status.orElseThrow());
                }
                allMet &= state == Dependency.State.MET;
            }
            if (never != null) {
                note(ended, QueueEvent.Type.DEPENDENT_CANCELLED, "job " + current.id() + " cancelled: " + never);
                move(current, current.cancelled(at).toBuilder().errorMessage(never).build(), QueueEvent.Type.CANCELLED,
                        never);
            } else if (allMet) {
                move(current, current.dependenciesMet(), QueueEvent.Type.DEPENDENCIES_MET,
                        "dependencies met: job " + ended.id() + " " + ended.status().wireName());
            }
        }
    }

    /** Records an event about {@code job} that changes nothing in it (adopted after a restart). */
    void note(Job job, QueueEvent.Type type, String detail) {
        tx.append(QueueEvent.of(job, job, at, actor, type, detail));
    }
}
