package dev.gpuqueue.cli.runner;

import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.error.StopIncompleteException;
import dev.gpuqueue.core.error.StoreException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.AttemptState;
import dev.gpuqueue.core.port.JobRunner;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The {@value Placement#LOCAL} runner: runs jobs on this machine's GPUs as operating-system processes. Each attempt runs under {@code setsid} in its own
 * session and process group, led by a small shell wrapper that records its pid and, when the command
 * ends, its exit status in files beside the log, so a restarted server can tell what happened; the
 * server also keeps the exit status of its own children, so an attempt whose exit file could not be
 * written (a full disk) still has a known end. The command's output goes straight to
 * {@code logs/<job_id>.log} through the operating system, never through the server. The command runs
 * in the config's {@code working_dir} or a per-job directory, never in the state directory; with a
 * {@link JobUser} it runs as that user. Its environment is {@link JobEnvironment}'s. When an attempt
 * ends or is stopped, every process it left (in its group or carrying its job id) is stopped too, so
 * its GPUs are free only when nothing of it runs. Thread-safe.
 */
public final class ProcessJobRunner implements JobRunner {
    private static final System.Logger LOG = System.getLogger(ProcessJobRunner.class.getName());
    private static final String WRAPPER_RESOURCE = "job-wrapper.sh";
    /** How long processes left behind by an attempt that ended get between SIGTERM and SIGKILL. */
    static final Duration STRAY_GRACE = Duration.ofSeconds(2);
    /** How often processes that outlived even SIGKILL (stuck in the kernel) are tried again. */
    static final Duration LEFTOVER_RECHECK = Duration.ofSeconds(30);

    private final JobFiles files;
    private final Path bin;
    private final Path wrapper;
    private final JobWorkspaces workspaces;
    private final JobEnvironment environment;
    private final LaunchOptions options;
    /** This server's own children, by attempt: their exit status is known even where no exit file could be written. */
    private final Map<String, Process> children = new ConcurrentHashMap<>();
    /**
     * Attempts this runner watches (launched or adopted) until their end is reported: alive until
     * then, even while what they left behind is being stopped, so no tick frees their GPUs early.
     */
    private final Set<String> watching = ConcurrentHashMap.newKeySet();
    /** Stops in progress, by attempt: the attempt's end waits for its stop, which gives every process the full grace. */
    private final Map<String, CompletableFuture<Void>> stops = new ConcurrentHashMap<>();
    /** Where attempts' ends are handled: stopping leftovers may take a while, never on a shared pool. */
    private final ExecutorService watchers = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "gpuqueue-job-watcher");
        thread.setDaemon(true);
        return thread;
    });

    ProcessJobRunner(JobFiles files, Path bin, JobWorkspaces workspaces, Map<String, String> serverEnvironment,
            LaunchOptions options) {
        this.files = files;
        this.bin = bin;
        this.wrapper = bin.resolve(WRAPPER_RESOURCE);
        this.workspaces = workspaces;
        this.options = options;
        this.environment = new JobEnvironment(serverEnvironment, options.passEnv(), options.jobUser());
    }

    /**
     * A runner keeping its wrapper in {@code stateDir/bin} and attempt files beside the logs in
     * {@code logsDir}; jobs never run inside {@code stateDir}. Touches no file until {@link #prepare()}.
     */
    public static ProcessJobRunner create(Path stateDir, Path logsDir, LaunchOptions options) {
        JobWorkspaces workspaces = new JobWorkspaces(options.jobsDir(), stateDir, options.jobUser());
        return new ProcessJobRunner(new JobFiles(logsDir), stateDir.resolve("bin"), workspaces, System.getenv(), options);
    }

    /**
     * Installs the job wrapper and checks the jobs directory: the runner's start in the server's
     * lifecycle, before any job starts or is recovered. Returns this runner.
     *
     * @throws StoreException when the wrapper cannot be written
     * @throws dev.gpuqueue.core.error.ValidationException when the jobs directory cannot be used
     */
    public ProcessJobRunner prepare() {
        workspaces.prepare();
        try {
            Files.createDirectories(bin);
            try (InputStream in = ProcessJobRunner.class.getResourceAsStream(WRAPPER_RESOURCE)) {
                Path temp = Files.createTempFile(bin, "wrapper", ".tmp");
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(temp, wrapper, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new StoreException("cannot install the job wrapper in " + bin + ": " + e.getMessage(), e);
        }
        return this;
    }

    @Override
    public String name() {
        return Placement.LOCAL;
    }

    /**
     * Stops watching: no attempt's end is reported after this (the server is stopping; its jobs keep
     * running and are recovered by the next start). Running jobs are not touched.
     */
    public void close() {
        watchers.shutdownNow();
    }

    /** Where the job wrapper script is installed. */
    Path wrapperPath() {
        return wrapper;
    }

    // ---- launching -------------------------------------------------------------------------------

    @Override
    public Optional<ProcessRef> start(Job job, AttemptListener listener) {
        List<String> command = job.spec().command();
        if (command.isEmpty()) {
            throw new LaunchException("the job's config has no command");
        }
        Path workingDir = workspaces.workingDirectory(job);
        List<String> argv = new ArrayList<>(List.of("setsid", "sh", wrapper.toString(),
                files.pidFile(job.id(), job.attempt()).toString(), files.exitFile(job.id(), job.attempt()).toString()));
        if (options.jobUser() != null) {
            argv.addAll(options.jobUser().commandPrefix());
        }
        argv.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(argv).directory(workingDir.toFile());
        Map<String, String> env = builder.environment();
        env.clear();
        env.putAll(environment.of(job, options.visibleDevice()));
        builder.redirectErrorStream(true);
        builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process process;
        try {
            builder.redirectOutput(ProcessBuilder.Redirect.appendTo(files.privateLog(job.id()).toFile()));
            Files.deleteIfExists(files.exitFile(job.id(), job.attempt()));
            process = builder.start();
        } catch (IOException e) {
            workspaces.removeIfEmpty(job);
            LOG.log(Level.WARNING, "Job {0}: cannot start {1}: {2}", job.id(), argv, e.getMessage());
            throw new LaunchException("cannot start " + command.get(0) + " (" + withoutPaths(e.getMessage()) + ")", e);
        }
        children.put(key(job), process);
        watching.add(key(job));
        ProcessRef ref = new ProcessRef(process.pid(), startTime(process.toHandle()));
        LOG.log(Level.INFO, "Job {0} attempt {1} started as pid {2} on GPUs [{3}]", job.id(), job.attempt(),
                String.valueOf(process.pid()), env.get("CUDA_VISIBLE_DEVICES"));
        process.onExit().thenRunAsync(() -> ended(job, listener, process.pid(), process.exitValue()), watchers);
        return Optional.of(ref);
    }

    @Override
    public void resume(Job job, AttemptListener listener) {
        watching.add(key(job));
        Optional<ProcessHandle> handle = handle(job);
        if (handle.isEmpty()) {
            watchers.execute(() -> ended(job, listener, null, null));
            return;
        }
        handle.get().onExit().thenRunAsync(() -> ended(job, listener, handle.get().pid(), null), watchers);
    }

    /**
     * An attempt's leading process ended: stop whatever it left behind (its GPUs stay held until
     * nothing of it runs), then report how it ended: its recorded exit status, else {@code exitValue}
     * as seen by this server, else lost (nothing tells how it ended).
     */
    private void ended(Job job, AttemptListener listener, Long group, Integer exitValue) {
        try {
            stopLeftovers(job, group);
            OptionalInt recorded = files.readInt(files.exitFile(job.id(), job.attempt()));
            if (recorded.isEmpty() && exitValue != null) {
                LOG.log(Level.WARNING, "Job {0} attempt {1}: no exit file (full disk?); using the exit code {2} the"
                        + " server saw itself", job.id(), job.attempt(), exitValue);
            }
            if (recorded.isPresent() || exitValue != null) {
                listener.attemptEnded(job.id(), job.attempt(),
                        AttemptOutcome.exited(recorded.isPresent() ? recorded.getAsInt() : exitValue));
            } else {
                listener.attemptLost(job.id(), job.attempt(), AttemptListener.NO_EXIT_STATUS);
            }
        } catch (QueueException refused) {
            LOG.log(Level.DEBUG, "Exit of job {0} attempt {1} not recorded: {2}", job.id(), job.attempt(),
                    refused.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Recording the exit of job " + job.id() + " failed", e);
        } finally {
            children.remove(key(job));
            watching.remove(key(job));
            workspaces.removeIfEmpty(job);
        }
    }

    /** Stops what the attempt left running, and waits (trying again now and then) until none is left. */
    private void stopLeftovers(Job job, Long group) throws InterruptedException {
        CompletableFuture<Void> stop = stops.get(key(job));
        if (stop != null) {
            try {
                stop.get(); // the stop in progress gives every process the full grace, then stops them all
            } catch (ExecutionException failed) {
                // the stop gave up (processes stuck); what is left is dealt with below
            }
        }
        List<Long> left = JobProcesses.stopAll(job.id(), job.attempt(), group, STRAY_GRACE);
        while (!left.isEmpty()) {
            LOG.log(Level.WARNING, "Job {0}: processes {1} are still there after SIGKILL; the job keeps its GPUs until"
                    + " they are gone (trying again in {2} s)", job.id(), left, LEFTOVER_RECHECK.toSeconds());
            TimeUnit.MILLISECONDS.sleep(LEFTOVER_RECHECK.toMillis());
            left = JobProcesses.stopAll(job.id(), job.attempt(), null, STRAY_GRACE);
        }
    }

    // ---- probing ---------------------------------------------------------------------------------

    /**
     * Running while this runner watches the attempt (until its end, leftovers stopped, is reported);
     * else ended when its exit status was recorded (or this server's own child has exited); else
     * running while its recorded process runs (same pid and start time, never a recycled pid); else
     * gone.
     */
    @Override
    public AttemptState probe(Job job) {
        if (watching.contains(key(job))) {
            return AttemptState.RUNNING;
        }
        OptionalInt exit = exitCode(job);
        if (exit.isPresent()) {
            return AttemptState.ended(exit.getAsInt());
        }
        return handle(job).isPresent() ? AttemptState.RUNNING : AttemptState.GONE;
    }

    /** The attempt's recorded exit status, else the exit code of this server's own child once it ended. */
    private OptionalInt exitCode(Job job) {
        OptionalInt recorded = files.readInt(files.exitFile(job.id(), job.attempt()));
        if (recorded.isPresent()) {
            return recorded;
        }
        Process child = children.get(key(job));
        return child != null && !child.isAlive() ? OptionalInt.of(child.exitValue()) : OptionalInt.empty();
    }

    /** The live process of the job's current attempt: its recorded pid (or the wrapper's pid file), same start time. */
    private Optional<ProcessHandle> handle(Job job) {
        Long pid = leaderPid(job);
        if (pid == null) {
            return Optional.empty();
        }
        Instant expectedStart = job.process() == null ? null : job.process().startTime();
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> sameStart(h, expectedStart));
    }

    private Long leaderPid(Job job) {
        if (job.process() != null) {
            return job.process().pid();
        }
        OptionalInt pid = files.readInt(files.pidFile(job.id(), job.attempt()));
        return pid.isPresent() ? Long.valueOf(pid.getAsInt()) : null;
    }

    private static boolean sameStart(ProcessHandle handle, Instant expected) {
        if (expected == null) {
            return true;
        }
        Instant actual = startTime(handle);
        return actual == null || actual.truncatedTo(ChronoUnit.MILLIS).equals(expected.truncatedTo(ChronoUnit.MILLIS));
    }

    private static Instant startTime(ProcessHandle handle) {
        return handle.info().startInstant().orElse(null);
    }

    /** An I/O error's message without the server's directories it names (it reaches the job's owner). */
    static String withoutPaths(String message) {
        return String.valueOf(message).replaceAll("\\(in directory \"[^\"]*\"\\)", "").replaceAll("(/[^\\s:\"]+)+", "<path>");
    }

    private static String key(Job job) {
        return job.id().value() + "." + job.attempt();
    }

    // ---- stopping --------------------------------------------------------------------------------

    /**
     * SIGTERM to the attempt's process group and to every process carrying its job id, up to
     * {@code grace} for them to exit, then SIGKILL; completes once none is left (this runner stops
     * synchronously: the future it returns is already complete). It fails with
     * {@link StopIncompleteException} when processes are still there after SIGKILL (the job keeps
     * its GPUs).
     */
    @Override
    public CompletableFuture<Void> stop(Job job, Duration grace) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        stops.put(key(job), done);
        List<Long> left;
        try {
            Process child = children.get(key(job));
            boolean leaderRuns = child != null ? child.isAlive() : handle(job).isPresent();
            left = JobProcesses.stopAll(job.id(), job.attempt(), leaderRuns ? leaderPid(job) : null, grace);
        } finally {
            stops.remove(key(job), done);
            done.complete(null);
        }
        if (!left.isEmpty()) {
            return CompletableFuture.failedFuture(new StopIncompleteException("job " + job.id() + ": processes " + left
                    + " are still there " + JobProcesses.KILL_WAIT.toSeconds()
                    + " s after SIGKILL; the job keeps its GPUs until they are gone"));
        }
        return CompletableFuture.completedFuture(null);
    }

    /** A job's id as it appears in its processes' environment, for tests that look for leftovers. */
    static List<Long> processesOf(JobId id) {
        return JobProcesses.carrying(id, null);
    }
}
