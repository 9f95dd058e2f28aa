package dev.gpuqueue.cli.worker;

import dev.gpuqueue.cli.runner.FileJobLogs;
import dev.gpuqueue.cli.runner.ProcessJobRunner;
import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.error.StoreException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.model.Submitter;
import dev.gpuqueue.core.model.Target;
import dev.gpuqueue.core.policy.GpuPlacement;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.AttemptState;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.worker.Held;
import dev.gpuqueue.http.WorkerDtos;
import dev.gpuqueue.http.WorkerDtos.InstructionsDto;
import dev.gpuqueue.http.WorkerDtos.RunDto;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code gpuqueue worker}: registers with the orchestrator, then loops: report the end of the
 * attempt it ran (its output first), send new output, heartbeat when due, and long-poll for
 * instructions (run an attempt, stop one). Attempts run through the same {@link ProcessJobRunner}
 * as on the server (wrapper, pid and exit files, its own GPUs), one at a time. The attempt in hand
 * is kept in {@link AttemptFile} until its end is reported, so a restarted worker finds and reports
 * it; an attempt is never started twice (its exit file says it ran). When the orchestrator cannot be
 * reached, the job keeps running and the worker retries with backoff (1 s doubling to 30 s, and to
 * at most a quarter of the orchestrator's offline timeout), then registers again. A token that is refused stops the job (its result could not be reported; the
 * orchestrator requeues it) and ends the worker. Not thread-safe: one loop owns the state; runner
 * threads only hand ends over through a queue.
 */
final class WorkerAgent {
    private static final System.Logger LOG = System.getLogger(WorkerAgent.class.getName());
    private static final int IDLE_WAIT_SECONDS = 8;
    /** While a job runs, poll at least this often, so its output reaches the orchestrator within about a second. */
    private static final int BUSY_WAIT_SECONDS = 1;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** How long to wait before asking again when the orchestrator repeats what is already being done (a stop). */
    private static final Duration NOTHING_NEW_PAUSE = Duration.ofMillis(500);
    private static final int LOG_CHUNK = 256 * 1024;

    /** How an attempt ended here: an outcome (exit code), or lost with a reason. */
    private record Ended(Held held, AttemptOutcome outcome, String lostReason) {}

    /** The attempt in hand: the job as rebuilt here, where its output began in the log, how much was sent. */
    private static final class Current {
        final Job job;
        final RunDto run;
        final long logStart;
        long sent;
        boolean stopping;

        Current(Job job, RunDto run, long logStart) {
            this.job = job;
            this.run = run;
            this.logStart = logStart;
        }

        Held held() {
            return Held.of(job);
        }
    }

    private final OrchestratorClient orchestrator;
    private final ProcessJobRunner runner;
    private final GpuInventory gpus;
    private final Map<String, String> labels;
    private final FileJobLogs logs;
    private final AttemptFile attemptFile;
    private final Duration heartbeatEvery;
    private final Duration stopGrace;
    private final Clock clock;
    private final ConcurrentLinkedQueue<Ended> ends = new ConcurrentLinkedQueue<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AttemptListener listener = new AttemptListener() {
        @Override
        public void attemptEnded(JobId jobId, int attempt, AttemptOutcome outcome) {
            ends.add(new Ended(new Held(jobId, attempt), outcome, null));
        }

        @Override
        public void attemptLost(JobId jobId, int attempt, String reason) {
            ends.add(new Ended(new Held(jobId, attempt), null, reason));
        }
    };
    private Current current;
    /** The orchestrator's offline timeout, as it said when this worker registered. */
    private Duration offlineAfter = Duration.ofSeconds(120);

    WorkerAgent(OrchestratorClient orchestrator, ProcessJobRunner runner, GpuInventory gpus, Map<String, String> labels,
            Path home, Duration heartbeatEvery, Duration stopGrace, Clock clock) {
        this.orchestrator = orchestrator;
        this.runner = runner;
        this.gpus = gpus;
        this.labels = Map.copyOf(labels);
        this.logs = new FileJobLogs(home.resolve("logs"));
        this.attemptFile = new AttemptFile(home);
        this.heartbeatEvery = heartbeatEvery;
        this.stopGrace = stopGrace;
        this.clock = clock;
    }

    /** Runs until {@link #stop()} (0) or until the orchestrator refuses this worker's token (1). */
    int run() throws InterruptedException {
        recover();
        Duration backoff = Duration.ofSeconds(1);
        boolean registered = false;
        Instant nextHeartbeat = clock.instant();
        while (stopped.getCount() > 0) {
            try {
                if (!registered) {
                    register();
                    registered = true;
                    backoff = Duration.ofSeconds(1);
                    nextHeartbeat = clock.instant().plus(heartbeatEvery);
                }
                reportEnds();
                sendOutput();
                if (!clock.instant().isBefore(nextHeartbeat)) {
                    apply(orchestrator.heartbeat(held()));
                    nextHeartbeat = clock.instant().plus(heartbeatEvery);
                }
                long untilHeartbeat = (Duration.between(clock.instant(), nextHeartbeat).toMillis() + 999) / 1000;
                int wait = (int) Math.min(current != null ? BUSY_WAIT_SECONDS : IDLE_WAIT_SECONDS, Math.max(1, untilHeartbeat));
                if (!apply(orchestrator.poll(held(), wait))) {
                    stopped.await(NOTHING_NEW_PAUSE.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (OrchestratorClient.Unreachable e) {
                LOG.log(Level.WARNING, "Orchestrator unreachable: {0}; {1}, retrying in {2} s", e.getMessage(),
                        current == null ? "no job here" : "job " + current.held() + " keeps running", backoff.toSeconds());
                registered = false;
                stopped.await(backoff.toMillis(), TimeUnit.MILLISECONDS);
                backoff = longer(backoff);
            } catch (OrchestratorClient.Rejected e) {
                if (e.status == 401) {
                    LOG.log(Level.ERROR, "The orchestrator refuses this worker''s token: {0}. Stopping {1} and exiting;"
                            + " start the worker again with a valid token", e.getMessage(),
                            current == null ? "nothing" : "job " + current.held());
                    if (current != null) {
                        runner.stop(current.job, stopGrace);
                    }
                    return 1;
                }
                LOG.log(Level.ERROR, "The orchestrator refused a request: {0}; retrying in {1} s", e.getMessage(),
                        backoff.toSeconds());
                registered = false;
                stopped.await(backoff.toMillis(), TimeUnit.MILLISECONDS);
                backoff = longer(backoff);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "Unexpected failure in the worker loop; retrying in " + backoff.toSeconds() + " s", e);
                registered = false;
                stopped.await(backoff.toMillis(), TimeUnit.MILLISECONDS);
                backoff = longer(backoff);
            }
        }
        return 0;
    }

    /**
     * The next wait: doubled, at most 30 s and at most a quarter of the orchestrator's offline timeout,
     * so a worker reaches a restarted orchestrator well before that gives its job up.
     */
    private Duration longer(Duration backoff) {
        Duration cap = offlineAfter.dividedBy(4).compareTo(MAX_BACKOFF) < 0 ? offlineAfter.dividedBy(4) : MAX_BACKOFF;
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(cap) > 0 ? cap : doubled;
    }

    /** Ends the loop; a running job keeps running (the next start of the worker finds it). */
    void stop() {
        stopped.countDown();
    }

    private Held held() {
        return current == null ? null : current.held();
    }

    private void register() throws OrchestratorClient.Unreachable, OrchestratorClient.Rejected {
        List<WorkerDtos.WorkerGpuDto> inventory = gpus.devices().stream()
                .map(d -> new WorkerDtos.WorkerGpuDto(d.index(), d.name(), d.uuid(), d.memoryTotalBytes() >> 20)).toList();
        WorkerDtos.RegisteredDto registered = orchestrator.register(new WorkerDtos.RegisterBody(labels, inventory,
                WorkerDtos.HeldDto.of(held())));
        offlineAfter = Duration.ofSeconds(Math.max(1, registered.offlineAfterSeconds()));
        LOG.log(Level.INFO, "Registered with {0} as worker {1}: {2} GPUs, labels {3}{4}", orchestrator.base(),
                registered.workerId(), inventory.size(), registered.labels(),
                registered.draining() ? " (draining: no new jobs)" : "");
        apply(registered.instructions());
    }

    // ---- recovery --------------------------------------------------------------------------------

    /** The attempt this worker had in hand before it restarted: watched again if it runs, else its end is reported. */
    private void recover() {
        Optional<AttemptFile.Saved> saved = attemptFile.read();
        if (saved.isEmpty()) {
            return;
        }
        AttemptFile.Saved s = saved.get();
        Job job = job(s.run(), s.gpus(), s.pid() == null ? null : new ProcessRef(s.pid(), s.processStartedAt()));
        current = new Current(job, s.run(), s.logStart());
        AttemptState state = runner.probe(job);
        switch (state.kind()) {
            case RUNNING -> {
                LOG.log(Level.INFO, "Job {0} attempt {1} still runs from before this worker restarted", job.id(),
                        job.attempt());
                runner.resume(job, listener);
            }
            case ENDED -> listener.attemptEnded(job.id(), job.attempt(), state.outcome());
            case GONE -> listener.attemptLost(job.id(), job.attempt(), "it vanished while the worker was down, leaving"
                    + " no exit status");
        }
    }

    // ---- instructions ----------------------------------------------------------------------------

    /**
     * Does what the orchestrator says. False when it said something this worker is already doing, or
     * cannot do yet (a stop in progress; an attempt to run while the last one still stops): then the
     * loop pauses before it asks again.
     */
    private boolean apply(InstructionsDto instructions) throws OrchestratorClient.Unreachable, OrchestratorClient.Rejected {
        if (instructions.run() == null && instructions.stop() == null) {
            return true;
        }
        boolean acted = false;
        if (instructions.stop() != null && current != null && !current.stopping
                && current.held().equals(instructions.stop().toHeld())) {
            stopCurrent("the orchestrator asked to stop it");
            acted = true;
        }
        RunDto run = instructions.run();
        if (run != null && current == null) {
            start(run);
            acted = true;
        }
        return acted;
    }

    private void stopCurrent(String why) {
        Current stopping = current;
        stopping.stopping = true;
        LOG.log(Level.INFO, "Stopping job {0}: {1}", stopping.held(), why);
        Thread stopper = new Thread(() -> {
            try {
                runner.stop(stopping.job, stopGrace);
            } catch (QueueException e) {
                LOG.log(Level.WARNING, "Stopping job {0} failed: {1}", stopping.held(), e.getMessage());
            }
        }, "gpuqueue-worker-stop");
        stopper.setDaemon(true);
        stopper.start();
    }

    /**
     * Starts an assigned attempt, unless it ran here before (its recorded end is reported) or its
     * process still runs (watched again). The attempt file is written before the launch, so a worker
     * that dies in between finds the attempt's pid file after its restart instead of starting it again.
     */
    private void start(RunDto run) throws OrchestratorClient.Unreachable, OrchestratorClient.Rejected {
        Held held = new Held(JobId.of(run.jobId()), run.attempt());
        Job unplaced;
        try {
            unplaced = job(run, null, null);
        } catch (RuntimeException e) {
            reportLost(held, "this worker cannot read the job (" + e.getMessage() + "); is it older than the orchestrator?");
            return;
        }
        Optional<List<Integer>> chosen = GpuPlacement.choose(unplaced, gpus.indices());
        if (chosen.isEmpty()) {
            reportLost(held, "it needs " + unplaced.numProcesses() + " GPUs"
                    + (unplaced.spec().deviceIds().isEmpty() ? "" : " " + unplaced.spec().deviceIds())
                    + "; this worker has " + gpus.indices());
            return;
        }
        Job job = job(run, chosen.get(), null);
        long logStart = logSize(job.id());
        current = new Current(job, run, logStart);
        AttemptState before = runner.probe(job);
        if (before.kind() == AttemptState.Kind.ENDED) {
            LOG.log(Level.INFO, "Job {0} ran here before; reporting how it ended", held);
            listener.attemptEnded(job.id(), job.attempt(), before.outcome());
            return;
        }
        try {
            attemptFile.write(new AttemptFile.Saved(run, chosen.get(), null, null, logStart));
        } catch (StoreException e) {
            current = null;
            reportLost(held, "the worker cannot write its state (" + e.getMessage() + ")");
            return;
        }
        if (before.kind() == AttemptState.Kind.RUNNING) {
            LOG.log(Level.INFO, "Job {0} already runs here (started before this worker restarted); watching it", held);
            runner.resume(job, listener);
        } else {
            Optional<ProcessRef> process;
            try {
                process = runner.start(job, listener);
            } catch (LaunchException e) {
                current = null;
                attemptFile.delete();
                reportLost(held, "launch failed: " + e.getMessage());
                return;
            }
            ProcessRef ref = process.orElse(null);
            attemptFile.write(new AttemptFile.Saved(run, chosen.get(), ref == null ? null : ref.pid(),
                    ref == null ? null : ref.startTime(), logStart));
            LOG.log(Level.INFO, "Job {0} ({1}) started on GPUs {2}", held, run.configName(), chosen.get());
        }
        try {
            orchestrator.status(held, "running", null, null);
        } catch (OrchestratorClient.Refused e) {
            stopCurrent("the orchestrator no longer gives it to this worker (" + e.getMessage() + ")");
        }
    }

    private void reportLost(Held held, String reason) throws OrchestratorClient.Unreachable, OrchestratorClient.Rejected {
        LOG.log(Level.WARNING, "Job {0} cannot run here: {1}", held, reason);
        try {
            orchestrator.status(held, "lost", null, reason);
        } catch (OrchestratorClient.Refused e) {
            LOG.log(Level.INFO, "Job {0}: {1}", held, e.getMessage());
        }
    }

    // ---- ends and output -------------------------------------------------------------------------

    /**
     * Reports each attempt end the runner heard, its last output first; once the orchestrator has it
     * (or refused it: the attempt was no longer this worker's), the attempt is no longer in hand.
     */
    private void reportEnds() throws OrchestratorClient.Unreachable, OrchestratorClient.Rejected {
        for (Ended end = ends.peek(); end != null; end = ends.peek()) {
            boolean inHand = current != null && current.held().equals(end.held());
            try {
                if (inHand) {
                    sendOutput();
                }
                if (end.outcome() != null) {
                    orchestrator.status(end.held(), "exited", end.outcome().exitCode(), null);
                } else {
                    orchestrator.status(end.held(), "lost", null, end.lostReason());
                }
                LOG.log(Level.INFO, "Job {0} ended ({1}); reported", end.held(),
                        end.outcome() != null ? "exit code " + end.outcome().exitCode() : end.lostReason());
            } catch (OrchestratorClient.Refused e) {
                LOG.log(Level.WARNING, "The end of job {0} was refused: {1}", end.held(), e.getMessage());
            }
            ends.poll();
            if (inHand) {
                current = null;
                attemptFile.delete();
            }
        }
    }

    /** Sends the output the attempt in hand wrote since the last chunk the orchestrator kept. */
    private void sendOutput() throws OrchestratorClient.Unreachable, OrchestratorClient.Rejected {
        if (current == null) {
            return;
        }
        try {
            while (true) {
                byte[] chunk = logs.read(current.job.id(), current.logStart + current.sent, LOG_CHUNK).data();
                if (chunk.length == 0) {
                    return;
                }
                long next = orchestrator.log(current.held(), current.sent, chunk);
                boolean progressed = next > current.sent;
                current.sent = next;
                if (!progressed || chunk.length < LOG_CHUNK) {
                    return;
                }
            }
        } catch (OrchestratorClient.Refused e) {
            if (!current.stopping) {
                stopCurrent("the orchestrator no longer gives it to this worker (" + e.getMessage() + ")");
            }
        }
    }

    private long logSize(JobId id) {
        return logs.read(id, Long.MAX_VALUE, 0).size();
    }

    // ---- jobs ------------------------------------------------------------------------------------

    /** The job of an assignment, as this worker runs it: on its own {@code gpus} (null: not placed yet). */
    private Job job(RunDto run, List<Integer> placedOn, ProcessRef process) {
        Instant now = clock.instant();
        Job.Builder job = Job.builder()
                .id(JobId.of(run.jobId()))
                .configName(run.configName())
                .spec(JobSpec.fromMap(run.config()))
                .submitter(new Submitter(run.userId(), run.userName(), null))
                .target(Target.LOCAL)
                .anyGpu(run.anyGpu())
                .metadata(run.metadata() == null ? Map.of() : run.metadata())
                .attempt(run.attempt())
                .array(run.array())
                .queuedAt(now);
        if (placedOn == null) {
            return job.status(JobStatus.PENDING).agingSince(now).build();
        }
        return job.status(JobStatus.RUNNING).startedAt(now).placement(Placement.localGpus(placedOn)).process(process)
                .build();
    }
}
