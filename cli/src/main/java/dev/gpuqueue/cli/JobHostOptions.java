package dev.gpuqueue.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options of a machine that runs jobs, shared by {@code gpuqueue server} and {@code gpuqueue
 * worker}: its GPUs (NVML or simulated) and how jobs run there (their directory, the variables they
 * may see, the OS user they run as). A Picocli mixin.
 */
public final class JobHostOptions {
    @Option(names = "--simulate-gpus", paramLabel = "SPEC",
            description = "Declare GPUs instead of asking NVML: COUNT or COUNT:NAME:MEMORY_GB, e.g. 4 or 2:A100:40.")
    public String simulateGpus;

    @Option(names = "--jobs-dir", paramLabel = "DIR",
            description = "Where jobs without a working_dir get a directory of their own (default: $TMPDIR/gpuqueue-jobs-<uid>);"
                    + " never inside the state directory.")
    Path jobsDir;

    @Option(names = "--pass-env", paramLabel = "NAME",
            description = "Pass this environment variable (or NAME_PREFIX*) on to jobs; repeatable. Jobs otherwise"
                    + " see only PATH, HOME, USER, LOGNAME, SHELL, LANG, LC_*, TZ, TMPDIR, CUDA_* and NVIDIA_*.")
    public List<String> passEnv = new ArrayList<>();

    @Option(names = "--job-user", paramLabel = "USER",
            description = "Run every job as this OS user (this process must run as root), so jobs cannot touch the"
                    + " state directory or each other's files.")
    public String jobUser;

    /** {@code --jobs-dir} as an absolute path, or null for the default. */
    public Path jobsDir() {
        return jobsDir == null ? null : jobsDir.toAbsolutePath();
    }
}
