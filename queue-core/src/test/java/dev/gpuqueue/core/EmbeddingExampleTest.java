package dev.gpuqueue.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.AttemptState;
import dev.gpuqueue.core.port.JobRunner;
import dev.gpuqueue.core.service.SubmitRequest;
import dev.gpuqueue.core.service.SubmitResult;
import dev.gpuqueue.core.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** A trainer embeds the queue with the builder, its own local runner and the in-memory store. */
class EmbeddingExampleTest {

    /** The trainer's runner: runs each job as a task in this JVM and reports how it ended. */
    static final class InProcessRunner implements JobRunner {
        private final ExecutorService pool = Executors.newCachedThreadPool();
        private final Map<JobId, Future<?>> tasks = new ConcurrentHashMap<>();
        final Map<JobId, List<Integer>> gpusSeen = new ConcurrentHashMap<>();

        @Override
        public String name() {
            return Placement.LOCAL;
        }

        @Override
        public Optional<ProcessRef> start(Job job, AttemptListener listener) {
            gpusSeen.put(job.id(), job.allocatedGpus());
            tasks.put(job.id(), pool.submit(() -> {
                int exit = job.spec().command().contains("--fail") ? 1 : 0;
                listener.attemptEnded(job.id(), job.attempt(), AttemptOutcome.exited(exit));
            }));
            return Optional.empty();
        }

        @Override
        public void resume(Job job, AttemptListener listener) {}

        @Override
        public CompletableFuture<Void> stop(Job job, Duration grace) {
            Future<?> task = tasks.get(job.id());
            if (task != null) {
                task.cancel(true);
            }
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public AttemptState probe(Job job) {
            return AttemptState.GONE;
        }
    }

    @Test
    void aTrainerSubmitsJobsAndTheyRunToCompletion() throws Exception {
        InProcessRunner runner = new InProcessRunner();
        Caller me = new Caller(1, "trainer", Level.RESEARCHER, null);

        try (GpuQueue queue = GpuQueue.builder().gpuCount(2).runner(runner)
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
            assertThat(runner.gpusSeen.get(bad.jobId())).containsExactly(0);
        }
    }

    @Test
    void withoutALocalRunnerLocalJobsFailToStartWithAClearReason() {
        Caller me = new Caller(1, "trainer", Level.RESEARCHER, null);
        GpuQueue queue = GpuQueue.builder().gpuCount(1).build();

        SubmitResult result = queue.service().submit(me,
                SubmitRequest.builder("x").spec(JobSpec.builder().command(List.of("t")).maxAttempts(1).build()).build());

        Job job = queue.service().job(me, result.jobId());
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.errorMessage()).isEqualTo(
                "launch failed: no local runner is configured; pass one to GpuQueue.builder().runner(...)");
    }
}
