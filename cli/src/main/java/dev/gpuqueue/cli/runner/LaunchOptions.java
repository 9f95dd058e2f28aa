package dev.gpuqueue.cli.runner;

import dev.gpuqueue.core.error.ValidationException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * How the server runs jobs: where per-job working directories go ({@code --jobs-dir}), which extra
 * server variables jobs may see ({@code --pass-env}), the OS user they run as ({@code --job-user},
 * null for the server's own), and how an allocated GPU is named in {@code CUDA_VISIBLE_DEVICES}
 * (its index, or its UUID with NVML). Immutable.
 */
public record LaunchOptions(Path jobsDir, List<String> passEnv, JobUser jobUser, IntFunction<String> visibleDevice) {

    public LaunchOptions {
        Objects.requireNonNull(jobsDir, "jobsDir");
        passEnv = List.copyOf(passEnv);
        for (String name : passEnv) {
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*\\*?") || name.startsWith("GPUQUEUE_")) {
                throw new ValidationException("--pass-env " + name + ": give a variable name (or NAME_PREFIX*);"
                        + " GPUQUEUE_ variables are the server's own and never passed on");
            }
        }
        Objects.requireNonNull(visibleDevice, "visibleDevice");
    }

    /** Jobs in {@link #defaultJobsDir()}, no extra variables, the server's user, GPUs by index. */
    public static LaunchOptions defaults() {
        return new LaunchOptions(defaultJobsDir(), List.of(), null, String::valueOf);
    }

    /** {@code $TMPDIR/gpuqueue-jobs-<uid>}: outside any state directory, one per server user. */
    public static Path defaultJobsDir() {
        return Path.of(System.getProperty("java.io.tmpdir"), "gpuqueue-jobs-" + JobUser.serverUid());
    }
}
