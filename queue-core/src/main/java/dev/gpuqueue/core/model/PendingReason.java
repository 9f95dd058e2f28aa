package dev.gpuqueue.core.model;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * Why a job is not running yet, as a kind (for code) and a sentence (for people), e.g.
 * {@code user limit 2/2}. Immutable.
 */
public record PendingReason(Kind kind, String message) {

    /** Every way a job can wait. */
    public enum Kind {
        GLOBAL_LIMIT,
        USER_LIMIT,
        TEAM_LIMIT,
        LOCAL_JOB_LIMIT,
        LOCAL_GPU_LIMIT,
        WAITING_FOR_GPUS,
        WAITING_FOR_DEVICES,
        BEHIND_GPU_JOB,
        NO_WORKER,
        WORKERS_BUSY,
        NO_RUNNER,
        RUNNER_UNAVAILABLE,
        CAN_NEVER_FIT,
        WAITING_FOR_DEPENDENCY,
        ARRAY_LIMIT,
        AWAITING_APPROVAL
    }

    public PendingReason {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
    }

    public static PendingReason globalLimit(int running, int max) {
        return new PendingReason(Kind.GLOBAL_LIMIT, "global limit " + running + "/" + max);
    }

    public static PendingReason userLimit(int running, int max) {
        return new PendingReason(Kind.USER_LIMIT, "user limit " + running + "/" + max);
    }

    public static PendingReason teamLimit(String team, int running, int max) {
        return new PendingReason(Kind.TEAM_LIMIT, "team " + team + " at " + running + "/" + max);
    }

    public static PendingReason localJobLimit(int running, int max) {
        return new PendingReason(Kind.LOCAL_JOB_LIMIT, "local job limit " + running + "/" + max);
    }

    public static PendingReason localGpuLimit(int needed, int held, int max) {
        return new PendingReason(Kind.LOCAL_GPU_LIMIT,
                "local GPU limit: needs " + needed + ", " + held + "/" + max + " in use");
    }

    public static PendingReason waitingForGpus(int needed, int free) {
        return new PendingReason(Kind.WAITING_FOR_GPUS,
                "waiting for " + needed + (needed == 1 ? " GPU" : " GPUs") + " (" + free + " free)");
    }

    public static PendingReason waitingForDevices(List<Integer> preferred, List<Integer> busy) {
        return new PendingReason(Kind.WAITING_FOR_DEVICES, "waiting for GPUs " + preferred + " (busy: " + busy + ")");
    }

    public static PendingReason behindGpuJob() {
        return new PendingReason(Kind.BEHIND_GPU_JOB, "behind a job waiting for GPUs");
    }

    /** No online worker can run the job: {@code message} says what it needs. */
    public static PendingReason noWorker(String message) {
        return new PendingReason(Kind.NO_WORKER, message);
    }

    /** Workers that can run the job are online, but none is idle: {@code message} says how many. */
    public static PendingReason workersBusy(String message) {
        return new PendingReason(Kind.WORKERS_BUSY, message);
    }

    /** A job that names a runner (a cloud provider, a cluster) that is not registered. */
    public static PendingReason noRunner(String runner) {
        return new PendingReason(Kind.NO_RUNNER, "no runner for provider '" + runner + "'");
    }

    /** A job whose runner is registered but cannot take jobs now: {@code why} says what is wrong. */
    public static PendingReason runnerUnavailable(String runner, String why) {
        return new PendingReason(Kind.RUNNER_UNAVAILABLE, runner + " unavailable: " + why);
    }

    public static PendingReason canNeverFit(String why) {
        return new PendingReason(Kind.CAN_NEVER_FIT, "can never fit: " + why);
    }

    /** The job waits for job {@code jobId}, which is {@code status} now. */
    public static PendingReason waitingForJob(JobId jobId, JobStatus status) {
        return new PendingReason(Kind.WAITING_FOR_DEPENDENCY, "waiting for job " + jobId + " (" + status.wireName() + ")");
    }

    public static PendingReason arrayLimit(String arrayId, int running, int max) {
        return new PendingReason(Kind.ARRAY_LIMIT, "array " + arrayId + " at " + running + "/" + max + " running");
    }

    /** This reason, saying when the job is expected to start (from the running jobs' time limits). */
    public PendingReason expectedToStartBy(Instant start) {
        return new PendingReason(kind, message + "; expected to start by " + start.truncatedTo(ChronoUnit.SECONDS));
    }

    public static PendingReason awaitingApproval() {
        return new PendingReason(Kind.AWAITING_APPROVAL, "awaiting approval");
    }

    @Override
    public String toString() {
        return message;
    }
}
