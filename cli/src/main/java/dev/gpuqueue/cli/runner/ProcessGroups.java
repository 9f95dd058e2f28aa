package dev.gpuqueue.cli.runner;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** Signals and probes whole process groups through {@code kill}, which Java cannot do itself. Stateless. */
final class ProcessGroups {
    private static final long POLL_MILLIS = 50;

    private ProcessGroups() {}

    /** Sends {@code signal} (e.g. {@code TERM}) to every process of group {@code pgid}. */
    static void signal(long pgid, String signal) {
        run("kill", "-" + signal, "--", "-" + pgid);
    }

    /** Whether any process (zombies included) is still in group {@code pgid}. */
    static boolean exists(long pgid) {
        return run("kill", "-0", "--", "-" + pgid) == 0;
    }

    /** Waits up to {@code timeout} for the group to be empty; true when it is. */
    static boolean awaitGone(long pgid, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (exists(pgid)) {
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
            throw new IllegalStateException("cannot run " + command[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
