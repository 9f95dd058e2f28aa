package dev.gpuqueue.cli.runner;

import dev.gpuqueue.core.model.JobId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds and stops every process of a job: its process group (signalled through {@code kill}, which
 * Java cannot do itself) and every process whose environment carries the job's
 * {@code GPUQUEUE_JOB_ID} and attempt's {@code GPUQUEUE_ATTEMPT} (readable in {@code /proc}), which also
 * finds processes that left the group with {@code setsid}; another attempt of the same job (on a
 * second worker on this machine, say) is never touched. A group is signalled only while its leader is known to be the job's own, so a
 * recycled group id is never hit. Stateless.
 */
final class JobProcesses {
    private static final System.Logger LOG = System.getLogger(JobProcesses.class.getName());
    private static final long POLL_MILLIS = 50;
    static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private JobProcesses() {}

    /**
     * Stops every process of job {@code id}: SIGTERM to the group {@code group} (null when its leader
     * is gone) and to every process carrying the job's id, up to {@code grace} for them to exit, then
     * SIGKILL. Returns the pids still there after that (empty when all are gone).
     */
    static List<Long> stopAll(JobId id, int attempt, Long group, Duration grace) {
        if (!anyLeft(id, attempt, group)) {
            return List.of();
        }
        signalAll(id, attempt, group, "TERM");
        if (awaitGone(id, attempt, group, grace)) {
            return List.of();
        }
        Long stillThere = group != null && groupExists(group) ? group : null; // an empty group's id may be reused
        signalAll(id, attempt, stillThere, "KILL");
        awaitGone(id, attempt, stillThere, KILL_WAIT);
        List<Long> left = new ArrayList<>(carrying(id, attempt));
        if (stillThere != null && groupExists(stillThere)) {
            left.add(-stillThere);
        }
        return left;
    }

    /**
     * Pids of the live processes whose environment has {@code GPUQUEUE_JOB_ID=<id>} and, unless
     * {@code attempt} is null, {@code GPUQUEUE_ATTEMPT=<attempt>}.
     */
    static List<Long> carrying(JobId id, Integer attempt) {
        List<byte[]> markers = new ArrayList<>(List.of(("GPUQUEUE_JOB_ID=" + id.value()).getBytes(StandardCharsets.UTF_8)));
        if (attempt != null) {
            markers.add(("GPUQUEUE_ATTEMPT=" + attempt).getBytes(StandardCharsets.UTF_8));
        }
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                if (hasEntries(proc.resolve("environ"), markers)) {
                    pids.add(Long.parseLong(proc.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            // no /proc: only the group can be found
        }
        return pids;
    }

    /**
     * Whether a live process is still in group {@code pgid}. Zombies do not count: they run nothing
     * and hold no GPU, and where the machine's first process does not reap orphans they never go.
     */
    static boolean groupExists(long pgid) {
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                String stat = readStat(proc);
                if (stat != null && isLiveMemberOf(stat, pgid)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return run("kill", "-0", "--", "-" + pgid) == 0;
        }
    }

    /** {@code /proc/<pid>/stat} is {@code pid (comm) state ppid pgrp ...}; comm may hold spaces and parentheses. */
    static boolean isLiveMemberOf(String stat, long pgid) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return fields.length > 2 && !fields[0].equals("Z") && !fields[0].equals("X")
                && fields[2].equals(Long.toString(pgid));
    }

    private static String readStat(Path proc) {
        try {
            return Files.readString(proc.resolve("stat"), StandardCharsets.UTF_8);
        } catch (IOException | SecurityException gone) {
            return null;
        }
    }

    private static boolean anyLeft(JobId id, int attempt, Long group) {
        return group != null && groupExists(group) || !carrying(id, attempt).isEmpty();
    }

    private static void signalAll(JobId id, int attempt, Long group, String signal) {
        if (group != null) {
            run("kill", "-" + signal, "--", "-" + group);
        }
        for (long pid : carrying(id, attempt)) {
            ProcessHandle.of(pid).ifPresent(p -> {
                if (signal.equals("KILL")) {
                    p.destroyForcibly();
                } else {
                    p.destroy();
                }
            });
        }
    }

    /** Waits up to {@code timeout} until nothing of the job is left; true when nothing is. */
    static boolean awaitGone(JobId id, int attempt, Long group, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (anyLeft(id, attempt, group)) {
            if (Instant.now().isAfter(deadline)) {
                return false;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Whether the environment file holds every one of {@code markers} as a whole entry. */
    private static boolean hasEntries(Path environ, List<byte[]> markers) {
        byte[] env;
        try {
            env = Files.readAllBytes(environ);
        } catch (IOException | SecurityException gone) {
            return false;
        }
        int found = 0;
        int start = 0;
        for (int i = 0; i <= env.length; i++) {
            if (i == env.length || env[i] == 0) {
                for (byte[] marker : markers) {
                    if (i - start == marker.length && Arrays.equals(env, start, i, marker, 0, marker.length)) {
                        found++;
                    }
                }
                start = i + 1;
            }
        }
        return found == markers.size();
    }

    private static int run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Cannot run {0}: {1}", command[0], e.getMessage());
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
