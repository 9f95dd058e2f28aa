package dev.gpuqueue.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.JobLauncher;
import dev.gpuqueue.core.service.SubmitRequest;
import dev.gpuqueue.core.service.SubmitResult;
import dev.gpuqueue.core.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** A trainer embeds the queue with the builder, its own launcher and the in-memory store. */
class EmbeddingExampleTest {

    /** The trainer's launcher: runs each job as a task in this JVM and reports how it ended. */
    static final class InProcessLauncher implements JobLauncher {
        private final ExecutorService pool = Executors.newCachedThreadPool();
        private final Map<JobId, Future<?>> tasks = new ConcurrentHashMap<>();
        final Map<JobId, List<Integer>> gpusSeen = new ConcurrentHashMap<>();

        @Override
        public Optional<ProcessRef> launch(Job job, AttemptListener listener) {
            gpusSeen.put(job.id(), job.allocatedGpus());
            tasks.put(job.id(), pool.submit(() -> {
                int exit = job.spec().command().contains("--fail") ? 1 : 0;
                listener.attemptEnded(job.id(), job.attempt(), AttemptOutcome.exited(exit));
            }));
            return Optional.empty();
        }

        @Override
        public void adopt(Job job, AttemptListener listener) {}

        @Override
        public void stop(Job job, Duration grace) {
            Future<?> task = tasks.get(job.id());
            if (task != null) {
                task.cancel(true);
            }
        }

        @Override
        public boolean isAlive(Job job) {
            return false;
        }

        @Override
        public OptionalInt recordedExitCode(Job job) {
            return OptionalInt.empty();
        }
    }

    @Test
    void aTrainerSubmitsJobsAndTheyRunToCompletion() throws Exception {
        InProcessLauncher launcher = new InProcessLauncher();
        Caller me = new Caller(1, "trainer", Level.RESEARCHER, null);

        try (GpuQueue queue = GpuQueue.builder().gpuCount(2).launcher(launcher)
                .schedulerInterval(Duration.ofMillis(100)).build().start()) {
            SubmitResult ok = queue.service().submit(me,
                    SubmitRequest.builder("finetune").spec(JobSpec.builder().command(List.of("train")).numProcesses(2).build()).build());
            SubmitResult bad = queue.service().submit(me,
                    SubmitRequest.builder("broken").spec(JobSpec.of("train", "--fail")).build());

            assertThat(ok.allocatedGpus()).containsExactly(0, 1);
            Await.until("the failing job to end", Duration.ofSeconds(10), () -> !queue.service().job(me, bad.jobId()).status().isActive());
            assertThat(queue.service().job(me, ok.jobId()).status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(queue.service().job(me, bad.jobId()).status()).isEqualTo(JobStatus.FAILED);
            assertThat(queue.service().job(me, bad.jobId()).errorMessage()).isEqualTo("exited with code 1");
            assertThat(launcher.gpusSeen.get(bad.jobId())).containsExactly(0);
        }
    }

    @Test
    void withoutALauncherLocalJobsFailToLaunchWithAClearReason() {
        Caller me = new Caller(1, "trainer", Level.RESEARCHER, null);
        GpuQueue queue = GpuQueue.builder().gpuCount(1).build();

        SubmitResult result = queue.service().submit(me,
                SubmitRequest.builder("x").spec(JobSpec.builder().command(List.of("t")).maxAttempts(1).build()).build());

        Job job = queue.service().job(me, result.jobId());
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.errorMessage()).isEqualTo(
                "launch failed: no launcher is configured; pass one to GpuQueue.builder().launcher(...)");
    }
}
