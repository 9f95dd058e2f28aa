package dev.gpuqueue.cli.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.GpuQueue;
import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.model.Submitter;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.service.Reconciler;
import dev.gpuqueue.core.service.SettingsUpdate;
import dev.gpuqueue.core.testing.Await;
import dev.gpuqueue.core.testing.FakeGpuInventory;
import dev.gpuqueue.core.testing.TestJobs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that died while jobs ran, then restarted over the same store and home: real processes
 * left behind are finished from their exit files (never re-run), adopted while alive, and jobs whose
 * process vanished without a trace are requeued or failed.
 */
class RecoveryWithRealProcessesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path home;

    private final InMemoryJobStore store = new InMemoryJobStore();

    /** Stores a running job on {@code gpu} and starts its process as the dead server would have. */
    private Job runBeforeTheCrash(ProcessJobRunner runner, String id, int gpu, int maxAttempts, String script) {
        JobSpec spec = JobSpec.builder().command(List.of("sh", "-c", script == null ? "echo rerun" : script))
                .maxAttempts(maxAttempts).build();
        Job pending = store.inTransaction(tx -> tx.insert(Job.builder().id(JobId.of(id)).configName("cfg").spec(spec)
                .submitter(new Submitter(1, "alice", null)).priority(10).queuedAt(TestJobs.T0).agingSince(TestJobs.T0)
                .build()));
        Job running = store.inTransaction(tx -> tx.update(pending,
                pending.dispatched(Placement.localGpus(List.of(gpu)), Instant.now())));
        if (script == null) {
            return running;
        }
        ProcessRef ref = runner.start(running, UNHEARD).orElseThrow();
        return store.inTransaction(tx -> tx.update(running, running.launched(ref)));
    }

    /** The server that launched the attempts dies before hearing of them. */
    private static final AttemptListener UNHEARD = new AttemptListener() {
        @Override
        public void attemptEnded(JobId jobId, int attempt, AttemptOutcome outcome) {}

        @Override
        public void attemptLost(JobId jobId, int attempt, String reason) {}
    };

    private static ProcessJobRunner runnerIn(Path home) {
        return ProcessJobRunner.create(home, home.resolve("logs"), LaunchOptions.defaults()).prepare();
    }

    private Job job(String id) {
        return store.read(r -> r.find(JobId.of(id))).orElseThrow();
    }

    @Test
    void afterACrashFinishedJobsAreRecordedLiveOnesAdoptedAndLostOnesRequeuedOrFailed() throws Exception {
        ProcessJobRunner before = runnerIn(home);
        Path release = home.resolve("release");
        Job finishedOk = runBeforeTheCrash(before, "finished-ok", 0, 3, "echo ran-ok");
        Job finishedBad = runBeforeTheCrash(before, "finished-bad", 1, 3, "echo ran-bad; exit 4");
        Job alive = runBeforeTheCrash(before, "alive", 2, 3, "while [ ! -f " + release + " ]; do sleep 0.05; done; echo done");
        Job lost = runBeforeTheCrash(before, "lost", 3, 3, null);
        Job lostForGood = runBeforeTheCrash(before, "lost-for-good", 3, 1, null);
        store.inTransaction(tx -> tx.update(lost, lost.launched(new ProcessRef(4_000_000, Instant.EPOCH))));
        Await.until("the two short jobs to leave their exit files", WAIT, () -> Files.exists(home.resolve("logs/finished-ok.1.exit"))
                && Files.exists(home.resolve("logs/finished-bad.1.exit")));

        // The restarted server: a new runner and queue over the same store and home.
        GpuQueue restarted = GpuQueue.builder().store(store).gpus(FakeGpuInventory.withGpus(4))
                .runner(runnerIn(home)).clock(Clock.systemUTC()).build();
        restarted.service().updateSettings(Caller.LOCAL_ADMIN,
                SettingsUpdate.of(Map.of("local_job_max_concurrent", 4)));
        Reconciler.Report report = restarted.recover();

        assertThat(report.finished()).extracting(Job::id).containsExactlyInAnyOrder(finishedOk.id(), finishedBad.id());
        assertThat(report.adopted()).extracting(Job::id).containsExactly(alive.id());
        assertThat(report.requeued()).extracting(Job::id).containsExactly(lost.id());
        assertThat(report.failed()).extracting(Job::id).containsExactly(lostForGood.id());
        assertThat(job("finished-ok").status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(job("finished-bad").status()).isEqualTo(JobStatus.FAILED);
        assertThat(job("finished-bad").errorMessage()).isEqualTo("exited with code 4");
        assertThat(Files.readString(home.resolve("logs/finished-ok.log"))).as("not run again").isEqualTo("ran-ok\n");
        assertThat(job("lost-for-good").errorMessage()).isEqualTo("lost after restart");
        assertThat(job("alive").status()).isEqualTo(JobStatus.RUNNING);
        assertThat(job("alive").allocatedGpus()).containsExactly(2);

        Files.writeString(release, "go");
        Await.until("the adopted job to complete", WAIT, () -> job("alive").status() == JobStatus.COMPLETED);
        assertThat(Files.readString(home.resolve("logs/alive.log"))).isEqualTo("done\n");
        assertThat(job("lost").attempt()).isEqualTo(2);
    }
}
