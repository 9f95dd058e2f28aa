package dev.gpuqueue.cli.runner;

import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.Job;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where jobs run: the config's {@code working_dir}, else a directory of their own under the jobs
 * directory ({@code <jobs-dir>/<job_id>}, private to the user the job runs as), and never inside the
 * server's state directory, where they could reach the database and other jobs' files. Thread-safe.
 */
final class JobWorkspaces {
    private static final System.Logger LOG = System.getLogger(JobWorkspaces.class.getName());
    private final Path jobsDir;
    private final Path stateDir;
    private final JobUser jobUser;

    JobWorkspaces(Path jobsDir, Path stateDir, JobUser jobUser) {
        this.jobsDir = jobsDir.toAbsolutePath().normalize();
        this.stateDir = stateDir.toAbsolutePath().normalize();
        this.jobUser = jobUser;
        if (this.jobsDir.startsWith(this.stateDir)) {
            throw new ValidationException("the jobs directory " + this.jobsDir + " is inside the state directory "
                    + this.stateDir + "; choose one outside it with --jobs-dir");
        }
    }

    /**
     * Creates the jobs directory, or checks the one there (at the runner's start).
     *
     * @throws ValidationException when it cannot be used
     */
    void prepare() {
        try {
            prepareJobsDir();
        } catch (IOException | LaunchException | UnsupportedOperationException e) {
            throw new ValidationException("the jobs directory " + jobsDir + " cannot be used: " + e.getMessage()
                    + " (--jobs-dir)");
        }
    }

    /**
     * The directory {@code job} runs in, created when it is the job's own.
     *
     * @throws LaunchException when it does not exist, lies in the state directory, or cannot be made
     */
    Path workingDirectory(Job job) {
        if (job.spec().workingDir() != null) {
            Path dir = Path.of(job.spec().workingDir());
            if (!Files.isDirectory(dir)) {
                throw new LaunchException("working directory " + dir + " does not exist");
            }
            checkOutsideState(dir);
            return dir;
        }
        try {
            prepareJobsDir();
            Path own = jobsDir.resolve(job.id().value());
            Files.createDirectories(own);
            Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwx------"));
            if (jobUser != null) {
                Files.setAttribute(own, "unix:uid", jobUser.uid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(own, "unix:gid", jobUser.gid(), LinkOption.NOFOLLOW_LINKS);
            }
            return own;
        } catch (IOException | UnsupportedOperationException | LaunchException e) {
            LOG.log(System.Logger.Level.WARNING, "Cannot prepare the working directory of job {0} in {1}: {2}",
                    job.id(), jobsDir, e.getMessage());
            throw new LaunchException("cannot prepare the job's working directory (the server's log says why)", e);
        }
    }

    /** Removes the job's own directory when the job left nothing in it. */
    void removeIfEmpty(Job job) {
        if (job.spec().workingDir() == null) {
            try {
                Files.deleteIfExists(jobsDir.resolve(job.id().value()));
            } catch (DirectoryNotEmptyException kept) {
                // the job left files: they stay for the user
            } catch (IOException e) {
                // nothing to clean, or not allowed: harmless
            }
        }
    }

    /**
     * The jobs directory exists, is a real directory owned by the server's user (not a link someone
     * else planted in a shared temp directory), and lets the job user reach its own directory only.
     */
    private void prepareJobsDir() throws IOException {
        if (!Files.exists(jobsDir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(jobsDir); // never its parents: a mistyped path should fail, not create /nonexistent
        }
        PosixFileAttributes attributes = Files.readAttributes(jobsDir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        int owner = (Integer) Files.getAttribute(jobsDir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isDirectory() || owner != JobUser.serverUid()) {
            throw new LaunchException("the jobs directory " + jobsDir + " is not a directory owned by the server's user"
                    + " (a link, or someone else's); choose another with --jobs-dir");
        }
        Files.setPosixFilePermissions(jobsDir, PosixFilePermissions.fromString(jobUser == null ? "rwx------" : "rwx--x--x"));
    }

    private void checkOutsideState(Path dir) {
        if (inside(stateDir, dir)) {
            throw new LaunchException("working directory " + dir + " is inside the server's state directory;"
                    + " jobs never run there (set another working_dir)");
        }
    }

    /** Whether {@code dir} (through its links, where it exists) lies in {@code stateDir}. */
    static boolean inside(Path stateDir, Path dir) {
        return realOrNormalized(dir).startsWith(realOrNormalized(stateDir));
    }

    private static Path realOrNormalized(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException notThere) {
            return path.toAbsolutePath().normalize();
        }
    }
}
