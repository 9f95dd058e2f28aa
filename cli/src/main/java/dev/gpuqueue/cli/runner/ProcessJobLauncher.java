package dev.gpuqueue.cli.runner;

import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.JobLauncher;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
import java.util.stream.Collectors;

/**
 * Runs local jobs as operating-system processes. Each attempt runs under {@code setsid} in its own
 * session and process group, led by a small shell wrapper that records its pid and, when the command
 * ends, its exit status in files beside the log, so a restarted server can tell what happened. The
 * command's output goes straight to {@code logs/<job_id>.log} through the operating system, never
 * through the server. The environment is the server's without any {@code GPUQUEUE_*} variable, plus
 * the config's, plus {@code CUDA_DEVICE_ORDER}, {@code CUDA_VISIBLE_DEVICES}, {@code GPUQUEUE_JOB_ID}
 * and {@code GPUQUEUE_NUM_PROCESSES}. Thread-safe.
 */
public final class ProcessJobLauncher implements JobLauncher {
    private static final System.Logger LOG = System.getLogger(ProcessJobLauncher.class.getName());
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final String WRAPPER_RESOURCE = "job-wrapper.sh";

    private final JobFiles files;
    private final Path wrapper;
    private final Path defaultWorkingDir;
    private final Map<String, String> baseEnvironment;

    ProcessJobLauncher(JobFiles files, Path wrapper, Path defaultWorkingDir, Map<String, String> serverEnvironment) {
        this.files = files;
        this.wrapper = wrapper;
        this.defaultWorkingDir = defaultWorkingDir;
        this.baseEnvironment = serverEnvironment.entrySet().stream()
                .filter(e -> !e.getKey().startsWith("GPUQUEUE_"))
                .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** A launcher keeping logs and attempt files in {@code home/logs}; jobs start in {@code home} by default. */
    public static ProcessJobLauncher inHome(Path home) {
        JobFiles files = new JobFiles(home.resolve("logs"));
        Path wrapper = installWrapper(home.resolve("bin"));
        return new ProcessJobLauncher(files, wrapper, home, System.getenv());
    }

    private static Path installWrapper(Path bin) {
        try {
            Files.createDirectories(bin);
            Path target = bin.resolve(WRAPPER_RESOURCE);
            try (InputStream in = ProcessJobLauncher.class.getResourceAsStream(WRAPPER_RESOURCE)) {
                Path temp = Files.createTempFile(bin, "wrapper", ".tmp");
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install the job wrapper in " + bin, e);
        }
    }

    /** Where the job wrapper script is installed. */
    Path wrapperPath() {
        return wrapper;
    }

    // ---- launching -------------------------------------------------------------------------------

    @Override
    public Optional<ProcessRef> launch(Job job, AttemptListener listener) {
        List<String> command = job.spec().command();
        if (command.isEmpty()) {
            throw new LaunchException("the job's config has no command");
        }
        Path workingDir = job.spec().workingDir() == null ? defaultWorkingDir : Path.of(job.spec().workingDir());
        if (!Files.isDirectory(workingDir)) {
            throw new LaunchException("working directory " + workingDir + " does not exist");
        }
        List<String> argv = new ArrayList<>(List.of("setsid", "sh", wrapper.toString(),
                files.pidFile(job.id(), job.attempt()).toString(), files.exitFile(job.id(), job.attempt()).toString()));
        argv.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(argv).directory(workingDir.toFile());
        Map<String, String> env = builder.environment();
        env.clear();
        env.putAll(baseEnvironment);
        env.putAll(job.spec().env());
        env.keySet().removeIf(key -> key.startsWith("GPUQUEUE_"));
        env.put("CUDA_DEVICE_ORDER", "PCI_BUS_ID");
        env.put("CUDA_VISIBLE_DEVICES", job.allocatedGpus().stream().map(String::valueOf).collect(Collectors.joining(",")));
        env.put("GPUQUEUE_JOB_ID", job.id().value());
        env.put("GPUQUEUE_NUM_PROCESSES", String.valueOf(job.numProcesses()));
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(files.logFile(job.id()).toFile()));
        builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process process;
        try {
            files.prepare();
            Files.deleteIfExists(files.exitFile(job.id(), job.attempt()));
            process = builder.start();
        } catch (IOException e) {
            throw new LaunchException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
        ProcessRef ref = new ProcessRef(process.pid(), startTime(process.toHandle()));
        LOG.log(Level.INFO, "Job {0} attempt {1} started as pid {2} on GPUs [{3}]", job.id(), job.attempt(),
                String.valueOf(process.pid()), env.get("CUDA_VISIBLE_DEVICES"));
        process.onExit().thenRun(() -> report(job, listener, process.exitValue()));
        return Optional.of(ref);
    }

    @Override
    public void adopt(Job job, AttemptListener listener) {
        Optional<ProcessHandle> handle = handle(job);
        if (handle.isEmpty()) {
            report(job, listener, null);
            return;
        }
        handle.get().onExit().thenRun(() -> report(job, listener, null));
    }

    /** Reports how an attempt ended: its recorded exit status, else {@code fallback}, else "no exit status". */
    private void report(Job job, AttemptListener listener, Integer fallback) {
        OptionalInt recorded = recordedExitCode(job);
        AttemptOutcome outcome = recorded.isPresent() ? AttemptOutcome.exited(recorded.getAsInt())
                : fallback != null ? AttemptOutcome.exited(fallback)
                : AttemptOutcome.failed("the process ended without recording an exit status");
        try {
            listener.attemptEnded(job.id(), job.attempt(), outcome);
        } catch (QueueException refused) {
            LOG.log(Level.DEBUG, "Exit of job {0} attempt {1} not recorded: {2}", job.id(), job.attempt(),
                    refused.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Recording the exit of job " + job.id() + " failed", e);
        }
    }

    // ---- probing ---------------------------------------------------------------------------------

    @Override
    public boolean isAlive(Job job) {
        return handle(job).isPresent();
    }

    @Override
    public OptionalInt recordedExitCode(Job job) {
        return files.readInt(files.exitFile(job.id(), job.attempt()));
    }

    /** The live process of the job's current attempt: its recorded pid (or the wrapper's pid file), same start time. */
    private Optional<ProcessHandle> handle(Job job) {
        Long pid = job.process() != null ? Long.valueOf(job.process().pid()) : pidFromFile(job.id(), job.attempt());
        if (pid == null) {
            return Optional.empty();
        }
        Instant expectedStart = job.process() == null ? null : job.process().startTime();
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> sameStart(h, expectedStart));
    }

    private Long pidFromFile(JobId id, int attempt) {
        OptionalInt pid = files.readInt(files.pidFile(id, attempt));
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

    // ---- stopping --------------------------------------------------------------------------------

    /**
     * SIGTERM to the attempt's process group, up to {@code grace} for it to exit, then SIGKILL; returns
     * once no process of the group is left (bounded).
     */
    @Override
    public void stop(Job job, Duration grace) {
        Long pgid = job.process() != null ? Long.valueOf(job.process().pid()) : pidFromFile(job.id(), job.attempt());
        if (pgid == null || handle(job).isEmpty() && !ProcessGroups.exists(pgid)) {
            return;
        }
        ProcessGroups.signal(pgid, "TERM");
        if (!ProcessGroups.awaitGone(pgid, grace)) {
            LOG.log(Level.INFO, "Job {0} did not stop within {1} s; killing its process group", job.id(), grace.toSeconds());
            ProcessGroups.signal(pgid, "KILL");
            if (!ProcessGroups.awaitGone(pgid, KILL_WAIT)) {
                LOG.log(Level.WARNING, "Process group {0} of job {1} is still there after SIGKILL", pgid, job.id());
            }
        }
    }
}
