package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.QueueHarness.ALICE;
import static dev.gpuqueue.core.testing.QueueHarness.BOB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.GpuQueue;
import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.testing.Await;
import dev.gpuqueue.core.testing.FakeGpuInventory;
import dev.gpuqueue.core.testing.QueueHarness;
import dev.gpuqueue.core.testing.RecordingRunner;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

class BackgroundLoopTest {

    @Test
    void theLoopPicksUpWorkThatNoTriggerStartedAndLogsItsInterval() throws Exception {
        List<String> logged = new CopyOnWriteArrayList<>();
        Logger jul = Logger.getLogger(SchedulerLoop.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(new SimpleFormatter().formatMessage(record));
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        jul.addHandler(capture);
        RecordingRunner launcher = new RecordingRunner();
        GpuQueue queue = GpuQueue.builder().store(new InMemoryJobStore()).gpus(FakeGpuInventory.withGpus(1))
                .runner(launcher).configs(QueueHarness.CONFIGS).schedulerInterval(Duration.ofMillis(50)).build();
        try {
            JobId first = queue.service().submit(ALICE, SubmitRequest.builder("train").build()).jobId();
            JobId second = queue.service().submit(BOB, SubmitRequest.builder("train").build()).jobId();
            queue.service().cancel(ALICE, first);
            assertThat(status(queue, second)).as("no pass after a cancel").isEqualTo(JobStatus.PENDING);

            queue.start();

            Await.until("the tick to start the second job", Duration.ofSeconds(10), () -> status(queue, second) == JobStatus.RUNNING);
            assertThat(queue.scheduler().isStarted()).isTrue();
            Await.until("the first tick", Duration.ofSeconds(10), () -> queue.scheduler().lastTick() != null);
            assertThat(logged).contains("Queue scheduler started with 0.05s processing interval");
        } finally {
            queue.close();
            jul.removeHandler(capture);
        }
        assertThat(queue.scheduler().isStarted()).isFalse();
        assertThat(launcher.isLive(launcher.launched().get(1).jobId())).as("stopping the loop leaves jobs running").isTrue();
    }

    @Test
    void theDefaultIntervalReadsAsTheSeedsFiveSeconds() {
        assertThat(Scheduler.DEFAULT_INTERVAL).isEqualTo(Duration.ofSeconds(5));
        assertThat(Scheduler.formatSeconds(Scheduler.DEFAULT_INTERVAL)).isEqualTo("5");
        assertThat(Scheduler.formatSeconds(Duration.ofMillis(2500))).isEqualTo("2.5");
    }

    private static JobStatus status(GpuQueue queue, JobId id) {
        return queue.store().read(r -> r.find(id)).orElseThrow().status();
    }
}
