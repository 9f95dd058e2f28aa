package dev.gpuqueue.cli.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.GpuQueue;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.service.SettingsUpdate;
import dev.gpuqueue.core.service.SubmitRequest;
import dev.gpuqueue.core.testing.Await;
import dev.gpuqueue.core.testing.FakeGpuInventory;
import dev.gpuqueue.core.testing.MutableClock;
import dev.gpuqueue.core.testing.TestJobs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process runner with real processes, through the queue as the server runs it. */
class ProcessJobRunnerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final Caller USER = new Caller(1, "alice", Level.RESEARCHER, null);

    @TempDir
    Path home;

    @TempDir
    Path jobs;

    private MutableClock clock;
    private GpuQueue queue;
    private InMemoryJobStore store;

    @BeforeEach
    void queue() {
        clock = MutableClock.at(TestJobs.T0);
        store = new InMemoryJobStore();
        startQueue(new LaunchOptions(jobs, List.of("FOO", "PASSED_*"), null, String::valueOf));
    }

    private void startQueue(LaunchOptions options) {
        ProcessJobRunner runner = new ProcessJobRunner(new JobFiles(home.resolve("logs")), home.resolve("bin"),
                new JobWorkspaces(options.jobsDir(), home, options.jobUser()),
                Map.of("PATH", System.getenv("PATH"), "FOO", "bar", "PASSED_ONE", "1", "MY_SERVER_SECRET", "hunter2",
                        "GPUQUEUE_TOKEN", "secret", "GPUQUEUE_URL", "http://x", "LC_ALL", "C"), options).prepare();
        queue = GpuQueue.builder().store(store).gpus(FakeGpuInventory.withGpus(2)).runner(runner).clock(clock)
                .stopGrace(Duration.ofSeconds(1)).build();
        queue.service().updateSettings(Caller.LOCAL_ADMIN,
                SettingsUpdate.of(Map.of("local_job_max_concurrent", 2)));
    }

    private JobId submit(String... command) {
        return submit(JobSpec.builder().command(List.of(command)).build());
    }

    private JobId submit(JobSpec spec) {
        return queue.service().submit(USER, SubmitRequest.builder("cfg").spec(spec).build()).jobId();
    }

    private Job job(JobId id) {
        return store.read(r -> r.find(id)).orElseThrow();
    }

    private String log(JobId id) throws Exception {
        return Files.readString(home.resolve("logs").resolve(id.value() + ".log"), StandardCharsets.UTF_8);
    }

    @Test
    void theChildSeesItsGpusAndIdButNoServerSecretsAndItsOutputAndExitAreRecorded() throws Exception {
        JobId id = submit(JobSpec.builder().command(List.of("sh", "-c", "env | sort; echo to-stderr 1>&2; exit 3"))
                .env(Map.of("FROM_CONFIG", "yes", "GPUQUEUE_SNEAKY", "no")).build());

        Await.until("the job to end", WAIT, () -> job(id).status().isTerminal());

        Job done = job(id);
        assertThat(done.status()).isEqualTo(JobStatus.FAILED);
        assertThat(done.errorMessage()).isEqualTo("exited with code 3");
        assertThat(done.exitCode()).isEqualTo(3);
        assertThat(Files.readString(home.resolve("logs").resolve(id.value() + ".1.exit")).strip()).isEqualTo("3");
        String log = log(id);
        assertThat(log).contains("CUDA_DEVICE_ORDER=PCI_BUS_ID", "CUDA_VISIBLE_DEVICES=0", "GPUQUEUE_JOB_ID=" + id.value(),
                "GPUQUEUE_NUM_PROCESSES=1", "GPUQUEUE_ATTEMPT=1", "FOO=bar", "PASSED_ONE=1", "LC_ALL=C", "FROM_CONFIG=yes", "to-stderr");
        assertThat(log).doesNotContain("GPUQUEUE_TOKEN").doesNotContain("secret").doesNotContain("GPUQUEUE_URL")
                .doesNotContain("GPUQUEUE_SNEAKY").doesNotContain("MY_SERVER_SECRET").doesNotContain("hunter2");
        assertThat(log).contains("PWD=" + jobs.resolve(id.value()));
        assertThat(Files.getPosixFilePermissions(home.resolve("logs").resolve(id.value() + ".log")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void cudaVisibleDevicesNamesTheAllocatedGpusTheWayTheLaunchOptionsSay() throws Exception {
        startQueue(new LaunchOptions(jobs, List.of(), null, index -> "GPU-uuid-" + index));
        JobId id = submit(JobSpec.builder().command(List.of("sh", "-c", "echo $CUDA_VISIBLE_DEVICES")).numProcesses(2)
                .build());

        Await.until("the job to end", WAIT, () -> job(id).status().isTerminal());

        assertThat(log(id)).isEqualTo("GPU-uuid-0,GPU-uuid-1\n");
        List<QueueEvent> events = store.read(r -> r.events(id));
        assertThat(events).as("the allocation keeps indices").anyMatch(e -> "on GPUs [0, 1], attempt 1".equals(e.detail()));
    }

    @Test
    void exitZeroCompletesTheJobAndTheNextOneStartsOnItsGpus() throws Exception {
        JobId first = submit(JobSpec.builder().command(List.of("sh", "-c", "echo ran")).numProcesses(2).build());
        JobId second = submit(JobSpec.builder().command(List.of("sh", "-c", "echo second $CUDA_VISIBLE_DEVICES"))
                .numProcesses(2).build());

        Await.until("both jobs to end", WAIT, () -> job(first).status().isTerminal() && job(second).status().isTerminal());

        assertThat(job(first).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(job(first).exitCode()).isZero();
        assertThat(job(second).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(log(second)).contains("second 0,1");
        assertThat(job(first).process().pid()).isPositive();
    }

    @Test
    void cancelStopsTheWholeProcessGroupGrandchildrenIncludedAndLeavesNothingBehind() throws Exception {
        Path grandchildPid = home.resolve("grandchild.pid");
        JobId id = submit("sh", "-c", "sleep 300 & echo $! > " + grandchildPid + "; wait");
        Await.until("the grandchild to start", WAIT, () -> Files.exists(grandchildPid) && readLong(grandchildPid) > 0);
        long wrapper = job(id).process().pid();
        long grandchild = readLong(grandchildPid);
        assertThat(ProcessHandle.of(grandchild)).isPresent();

        Job cancelled = queue.service().cancel(USER, id);

        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.allocatedGpus()).isEmpty();
        assertThat(JobProcesses.groupExists(wrapper)).as("no process of the group left, zombies included").isFalse();
        assertThat(running(grandchild)).isFalse();
        assertThat(ProcessHandle.of(wrapper).filter(ProcessHandle::isAlive)).isEmpty();
    }

    @Test
    void aJobThatIgnoresSigtermIsKilledAfterTheGracePeriod() throws Exception {
        Path started = home.resolve("started");
        JobId id = submit("sh", "-c", "trap '' TERM; touch " + started + "; sleep 300");
        Await.until("the job to start", WAIT, () -> Files.exists(started));
        long wrapper = job(id).process().pid();

        queue.service().cancel(USER, id);

        assertThat(job(id).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(JobProcesses.groupExists(wrapper)).isFalse();
    }

    @Test
    void aJobPastItsTimeLimitIsStoppedAndFailed() throws Exception {
        Path started = home.resolve("started");
        JobId id = submit(JobSpec.builder().command(List.of("sh", "-c", "touch " + started + "; sleep 300"))
                .maxRuntimeSeconds(60L).build());
        Await.until("the job to start", WAIT, () -> Files.exists(started));
        long wrapper = job(id).process().pid();

        clock.advance(Duration.ofSeconds(61));
        queue.scheduler().enforceTimeLimits();

        assertThat(job(id).status()).isEqualTo(JobStatus.FAILED);
        assertThat(job(id).errorMessage()).isEqualTo("exceeded max runtime of 60 s");
        assertThat(JobProcesses.groupExists(wrapper)).isFalse();
    }

    @Test
    void aCommandThatCannotStartFailsTheLaunchWithTheReason() {
        JobId id = submit(JobSpec.builder().command(List.of("true")).workingDir("/no/such/dir").maxAttempts(1).build());

        assertThat(job(id).status()).isEqualTo(JobStatus.FAILED);
        assertThat(job(id).errorMessage()).isEqualTo("launch failed: working directory /no/such/dir does not exist");
    }

    @Test
    void cancelAlsoStopsAProcessThatLeftTheGroupAndIgnoresSigterm() throws Exception {
        Path escaped = home.resolve("escaped.pid");
        JobId id = submit("sh", "-c", "setsid sh -c 'trap \"\" TERM; echo $$ > " + escaped + "; sleep 300' & sleep 300");
        Await.until("the escaped process to start", WAIT, () -> readLong(escaped) > 0);
        long runaway = readLong(escaped);
        assertThat(ProcessHandle.of(runaway).map(ProcessHandle::isAlive)).hasValue(true);

        Job cancelled = queue.service().cancel(USER, id);

        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.allocatedGpus()).isEmpty();
        assertThat(running(runaway)).as("the escaped process").isFalse();
        assertThat(ProcessJobRunner.processesOf(id)).as("nothing carrying the job's id").isEmpty();
    }

    @Test
    void whatAJobLeavesRunningWhenItEndsIsStoppedBeforeItsGpusAreFreed() throws Exception {
        Path leftover = home.resolve("leftover.pid");
        JobId id = submit("sh", "-c", "setsid sleep 300 & echo $! > " + leftover + "; sleep 300 & exit 0");

        Await.until("the job to end", WAIT, () -> job(id).status().isTerminal());

        assertThat(job(id).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(running(readLong(leftover))).isFalse();
        assertThat(ProcessJobRunner.processesOf(id)).isEmpty();
    }

    @Test
    void theTickLeavesAnAttemptAloneWhileWhatItLeftIsBeingStopped() throws Exception {
        Path leftover = home.resolve("leftover.pid");
        JobId id = submit("sh", "-c", "setsid sh -c 'trap \"\" TERM; echo $$ > " + leftover + "; sleep 300' & sleep 0.5; exit 0");
        Await.until("the leftover to start", WAIT, () -> readLong(leftover) > 0);
        long wrapper = job(id).process().pid();
        Await.until("the job's command to end", WAIT, () -> ProcessHandle.of(wrapper).map(p -> !p.isAlive()).orElse(true));

        assertThat(queue.scheduler().checkRunningJobs()).as("the leftover is still being stopped").isZero();
        assertThat(job(id).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(job(id).allocatedGpus()).containsExactly(0);

        Await.until("the job to end", WAIT, () -> job(id).status().isTerminal());
        assertThat(job(id).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(running(readLong(leftover))).isFalse();
    }

    @Test
    void anExitStatusThatCouldNotBeWrittenIsStillKnownFromTheServersOwnChild() throws Exception {
        Path logs = home.resolve("logs");
        JobId id = submit("sh", "-c", "mkdir " + logs + "/$GPUQUEUE_JOB_ID.1.exit.tmp; exit 7");

        Await.until("the job to end", WAIT, () -> job(id).status().isTerminal());

        assertThat(logs.resolve(id.value() + ".1.exit")).as("the wrapper could not write it").doesNotExist();
        assertThat(job(id).status()).isEqualTo(JobStatus.FAILED);
        assertThat(job(id).exitCode()).isEqualTo(7);
        assertThat(job(id).attempt()).as("a known exit status is never requeued").isEqualTo(1);
    }

    @Test
    void passEnvTakesVariableNamesButNeverTheServersOwn() {
        assertThat(new LaunchOptions(jobs, List.of("WANDB_PROJECT", "HF_*"), null, String::valueOf).passEnv()).hasSize(2);
        for (String bad : List.of("GPUQUEUE_TOKEN", "A B", "=X", "")) {
            assertThatThrownBy(() -> new LaunchOptions(jobs, List.of(bad), null, String::valueOf))
                    .as(bad).isInstanceOf(ValidationException.class).hasMessageContaining("--pass-env");
        }
    }

    @Test
    void aJobsDirectoryThatCannotBeUsedIsRefusedWhenTheServerStartsNotAtEachLaunch() throws Exception {
        Path link = Files.createSymbolicLink(home.getParent().resolve("link-" + home.getFileName()), jobs);
        try {
            assertThatThrownBy(() -> ProcessJobRunner.create(home, home.resolve("logs"),
                    new LaunchOptions(link, List.of(), null, String::valueOf)).prepare())
                    .isInstanceOf(ValidationException.class).hasMessageContaining("--jobs-dir");
            assertThatThrownBy(() -> new JobWorkspaces(jobs.resolve("no/such/parent"), home, null).prepare())
                    .isInstanceOf(ValidationException.class);
            assertThat(jobs.resolve("no")).as("no parent was created").doesNotExist();
        } finally {
            Files.delete(link);
        }
    }

    @Test
    void jobsNeverRunInTheStateDirectory() {
        JobId id = submit(JobSpec.builder().command(List.of("true")).workingDir(home.toString()).maxAttempts(1).build());

        assertThat(job(id).status()).isEqualTo(JobStatus.FAILED);
        assertThat(job(id).errorMessage()).contains("is inside the server's state directory");
    }

    @Test
    void asAnotherUserAJobCannotWriteTheStateOrAnotherJobsFiles() throws Exception {
        Assumptions.assumeTrue(JobUser.serverUid() == 0, "needs root to run jobs as another user");
        startQueue(new LaunchOptions(jobs, List.of(), JobUser.lookup("nobody"), String::valueOf));
        Path database = Files.writeString(home.resolve("jobs.db"), "the database");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        JobId first = submit("sh", "-c", "exit 0");
        Await.until("the first job to end", WAIT, () -> job(first).status().isTerminal());
        Path firstExit = home.resolve("logs").resolve(first.value() + ".1.exit");

        JobId intruder = submit("sh", "-c", "id -u; echo x >> " + database + " || echo db-refused; echo 99 > " + firstExit
                + " || echo exit-refused; cat " + home.resolve("logs").resolve(first.value() + ".log")
                + " || echo log-refused; pwd");
        Await.until("the intruder to end", WAIT, () -> job(intruder).status().isTerminal());

        String log = log(intruder);
        assertThat(log).contains("65534", "db-refused", "exit-refused", "log-refused", jobs.resolve(intruder.value()).toString());
        assertThat(Files.readString(database)).isEqualTo("the database");
        assertThat(Files.readString(firstExit).strip()).isEqualTo("0");
        assertThat(job(intruder).status()).isEqualTo(JobStatus.COMPLETED);
    }

    @Test
    void groupMembershipIsReadFromProcStatEvenWhenTheCommandNameHoldsParentheses() {
        assertThat(JobProcesses.isLiveMemberOf("42 (a) (b) c) S 1 4100 4100 0", 4100)).isTrue();
        assertThat(JobProcesses.isLiveMemberOf("42 (sleep) Z 1 4100 4100 0", 4100)).as("a zombie").isFalse();
        assertThat(JobProcesses.isLiveMemberOf("42 (sleep) S 1 4101 4101 0", 4100)).isFalse();
    }

    /** Whether {@code pid} runs (a zombie, dead but not yet reaped by its new parent, does not). */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String state = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[0];
            return !state.equals("Z") && !state.equals("X");
        } catch (Exception gone) {
            return false;
        }
    }

    private static long readLong(Path file) {
        try {
            String text = Files.readString(file).strip();
            return text.isEmpty() ? -1 : Long.parseLong(text);
        } catch (Exception e) {
            return -1;
        }
    }
}
