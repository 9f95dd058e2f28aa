package dev.gpuqueue.core.worker;

import static dev.gpuqueue.core.testing.QueueHarness.ADMIN;
import static dev.gpuqueue.core.testing.QueueHarness.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.GpuQueue;
import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.PermissionDeniedException;
import dev.gpuqueue.core.error.StaleReportException;
import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.memory.InMemoryWorkerRegistry;
import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.Target;
import dev.gpuqueue.core.model.Worker;
import dev.gpuqueue.core.model.WorkerStatus;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.service.SubmitRequest;
import dev.gpuqueue.core.testing.Await;
import dev.gpuqueue.core.testing.FakeGpuInventory;
import dev.gpuqueue.core.testing.MutableClock;
import dev.gpuqueue.core.testing.QueueHarness;
import dev.gpuqueue.core.testing.RecordingRunner;
import dev.gpuqueue.core.testing.TestJobs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The orchestrator's side of remote workers, driven step by step with a clock: assignment through
 * the long poll, reports fenced by the attempt, liveness, cancel through the worker, drain, admin
 * labels, forced removal, and an orchestrator restart while a worker runs a job.
 */
class WorkerHubTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final InMemoryJobStore store = new InMemoryJobStore();
    private final InMemoryWorkerRegistry registry = new InMemoryWorkerRegistry();
    private final MutableClock clock = MutableClock.at(TestJobs.T0);
    private final List<GpuQueue> queues = new ArrayList<>();
    private GpuQueue queue = queue();
    private WorkerHub hub = queue.workers();
    private final WorkerAdmin admin = new WorkerAdmin(hub);

    /** A queue (an orchestrator) on the shared store and registry, with 1 local GPU. */
    private GpuQueue queue() {
        GpuQueue q = GpuQueue.builder().store(store).gpus(FakeGpuInventory.withGpus(1)).runner(new RecordingRunner())
                .clock(clock).configs(QueueHarness.CONFIGS).workers(registry).workerTimeout(TIMEOUT)
                .stopGrace(Duration.ZERO).stopConfirmWait(Duration.ofSeconds(20)).build();
        queues.add(q);
        return q;
    }

    @AfterEach
    void stopQueues() {
        queues.forEach(GpuQueue::close);
    }

    private static List<GpuDevice> gpus(int count) {
        List<GpuDevice> gpus = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            gpus.add(new GpuDevice(i, "GPU-" + i, null, "A100", 40L << 30, 0, null, null, null));
        }
        return gpus;
    }

    /** Creates and registers worker {@code name} with {@code gpuCount} GPUs; the worker as it authenticates. */
    private Worker online(String name, Map<String, String> adminLabels, int gpuCount) {
        String token = admin.create(ADMIN, name, adminLabels, null).token();
        Worker worker = hub.authenticate(token).orElseThrow();
        hub.register(worker, Map.of(), gpus(gpuCount), null);
        return worker;
    }

    private JobId submitToWorkers(String config) {
        return queue.service().submit(ALICE, SubmitRequest.builder(config).target(Target.WORKER).build()).jobId();
    }

    private Job job(JobId id) {
        return store.read(r -> r.find(id)).orElseThrow();
    }

    private Instructions poll(Worker worker, Held running) {
        return hub.poll(worker, running, Duration.ZERO).join();
    }

    private List<String> workerEvents() {
        return store.read(r -> r.eventsAfter(0, 1000)).stream().filter(e -> e.type() == QueueEvent.Type.WORKER_CHANGED)
                .map(QueueEvent::detail).toList();
    }

    @Test
    void aWorkerJobIsHandedOutByThePollAndRecordedFromTheWorkersReportOnce() {
        Worker w1 = online("w1", Map.of(), 2);
        JobId id = submitToWorkers("train");

        Job running = job(id);
        assertThat(running.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(running.placement().workerId()).isEqualTo("w1");
        Instructions told = poll(w1, null);
        assertThat(told.run().id()).isEqualTo(id);
        assertThat(told.run().spec().command()).containsExactly("python", "train.py");
        assertThat(told.stop()).isNull();
        Held held = Held.of(running);
        assertThat(poll(w1, held).isEmpty()).as("nothing more to do while it runs it").isTrue();
        assertThat(admin.get(ADMIN, "w1").status()).isEqualTo(WorkerStatus.BUSY);

        hub.running(w1, held);
        hub.ended(w1, held, AttemptOutcome.exited(0));

        assertThat(job(id).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(admin.get(ADMIN, "w1").status()).isEqualTo(WorkerStatus.IDLE);
        assertThatThrownBy(() -> hub.ended(w1, held, AttemptOutcome.exited(0))).isInstanceOf(StaleReportException.class)
                .hasMessageContaining("the job is completed");
        assertThat(store.read(r -> r.events(id)).stream().filter(e -> e.type() == QueueEvent.Type.COMPLETED)).hasSize(1);
    }

    @Test
    void aLongPollWaitsUntilTheWorkerHasWork() throws Exception {
        Worker w1 = online("w1", Map.of(), 1);
        CompletableFuture<Instructions> waiting = hub.poll(w1, null, Duration.ofSeconds(30));
        assertThat(waiting).isNotDone();

        JobId id = submitToWorkers("train");

        assertThat(waiting.get(5, TimeUnit.SECONDS).run().id()).isEqualTo(id);
        assertThat(hub.poll(w1, Held.of(job(id)), Duration.ofMillis(50)).get(5, TimeUnit.SECONDS).isEmpty()).isTrue();
    }

    @Test
    void reportsFromAWorkerThatDoesNotHoldTheAttemptAreRefusedAndChangeNothing() {
        Worker w1 = online("w1", Map.of(), 1);
        Worker w2 = online("w2", Map.of(), 1);
        JobId id = submitToWorkers("train");
        Job running = job(id);
        Worker holder = running.placement().workerId().equals("w1") ? w1 : w2;
        Worker other = holder == w1 ? w2 : w1;

        assertThatThrownBy(() -> hub.ended(other, Held.of(running), AttemptOutcome.exited(0)))
                .isInstanceOf(StaleReportException.class).hasMessageContaining("runs on another worker");
        assertThatThrownBy(() -> hub.ended(holder, new Held(id, 2), AttemptOutcome.exited(0)))
                .isInstanceOf(StaleReportException.class).hasMessageContaining("attempt 1 holds the job");
        assertThatThrownBy(() -> hub.writeLog(other, Held.of(running), 0, new byte[] {1}))
                .isInstanceOf(StaleReportException.class);
        assertThatThrownBy(() -> hub.running(holder, new Held(JobId.generate(), 1)))
                .isInstanceOf(StaleReportException.class).hasMessageContaining("no such job");
        assertThat(job(id)).isEqualTo(running);
    }

    @Test
    void aSilentWorkerGoesOfflineAndItsJobIsRequeuedWhileItsLateReportIsRefused() {
        Worker w1 = online("w1", Map.of(), 1);
        JobId id = submitToWorkers("train");
        Held first = Held.of(job(id));
        poll(w1, null);

        clock.advance(TIMEOUT.minusSeconds(1));
        assertThat(hub.checkLiveness()).isEmpty();
        clock.advance(Duration.ofSeconds(2));
        assertThat(hub.checkLiveness()).containsExactly("w1");

        Job requeued = job(id);
        assertThat(requeued.status()).as("no other worker: it waits").isEqualTo(JobStatus.PENDING);
        assertThat(requeued.attempt()).isEqualTo(2);
        assertThat(requeued.errorMessage()).isEqualTo("worker w1 went offline (no heartbeat for 120 s)");
        assertThat(admin.get(ADMIN, "w1").status()).isEqualTo(WorkerStatus.OFFLINE);
        assertThat(workerEvents()).contains("worker w1 is offline: no heartbeat for 120 s; its job " + first + " is given up");
        assertThat(hub.checkLiveness()).as("declared once").isEmpty();

        // it comes back, still running attempt 1: told to stop it, its report is refused, then it gets attempt 2
        Instructions back = hub.heartbeat(w1, first);
        assertThat(back.stop()).isEqualTo(first);
        assertThatThrownBy(() -> hub.ended(w1, first, AttemptOutcome.exited(0))).isInstanceOf(StaleReportException.class);
        queue.scheduler().runOnce();
        assertThat(job(id).attempt()).isEqualTo(2);
        assertThat(poll(w1, null).run().attempt()).isEqualTo(2);
    }

    @Test
    void aWorkerWaitingInALongPollIsAliveWhateverTheClockSays() {
        Worker w1 = online("w1", Map.of(), 1);
        CompletableFuture<Instructions> waiting = hub.poll(w1, null, Duration.ofSeconds(30));
        clock.advance(TIMEOUT.plusSeconds(1));
        assertThat(hub.checkLiveness()).isEmpty();

        waiting.cancel(false);
        assertThat(hub.checkLiveness()).containsExactly("w1");
    }

    @Test
    void cancelTellsTheWorkerAndCompletesWhenItConfirmsOrGoesOffline() throws Exception {
        Worker w1 = online("w1", Map.of(), 1);
        JobId confirmed = submitToWorkers("train");
        Held held = Held.of(job(confirmed));
        CompletableFuture<Job> cancel = CompletableFuture.supplyAsync(() -> queue.service().cancel(ALICE, confirmed));
        Await.until("the worker to be told to stop", Duration.ofSeconds(10), () -> held.equals(hub.heartbeat(w1, held).stop()));
        assertThat(cancel).isNotDone();
        assertThat(job(confirmed).status()).as("running until the worker confirms").isEqualTo(JobStatus.RUNNING);

        hub.ended(w1, held, AttemptOutcome.exited(143));
        assertThat(cancel.get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.CANCELLED);

        JobId vanished = submitToWorkers("train");
        Held second = Held.of(job(vanished));
        CompletableFuture<Job> cancelled = CompletableFuture.supplyAsync(() -> queue.service().cancel(ALICE, vanished));
        Await.until("the worker to be told to stop", Duration.ofSeconds(10), () -> second.equals(hub.heartbeat(w1, second).stop()));
        clock.advance(TIMEOUT.plusSeconds(1));
        hub.checkLiveness();
        assertThat(cancelled.get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(job(vanished).attempt()).as("cancelled, not requeued").isEqualTo(1);
    }

    @Test
    void drainingAndAdminLabelsSurviveRegistrationAndHeartbeats() {
        String token = admin.create(ADMIN, "w1", Map.of("gpu_type", "a100"), null).token();
        Worker w1 = hub.authenticate(token).orElseThrow();
        hub.register(w1, Map.of("gpu_type", "h100", "zone", "lab"), gpus(1), null);
        assertThat(admin.get(ADMIN, "w1").worker().labels()).isEqualTo(Map.of("gpu_type", "a100", "zone", "lab"));

        admin.drain(ADMIN, "w1", true);
        hub.register(hub.authenticate(token).orElseThrow(), Map.of(), gpus(1), null);
        hub.heartbeat(w1, null);
        assertThat(admin.get(ADMIN, "w1").status()).isEqualTo(WorkerStatus.DRAINING);
        JobId waits = submitToWorkers("train");
        assertThat(job(waits).status()).isEqualTo(JobStatus.PENDING);
        assertThat(queue.service().position(ALICE, waits).pendingReason().message())
                .isEqualTo("1 matching worker busy or draining");
        assertThat(admin.list(ADMIN, WorkerStatus.DRAINING)).hasSize(1);

        admin.drain(ADMIN, "w1", false);
        queue.scheduler().runOnce();
        assertThat(job(waits).placement().workerId()).isEqualTo("w1");
        assertThat(workerEvents()).contains("worker w1 is draining", "worker w1 takes jobs again");
    }

    @Test
    void removingAWorkerThatRunsAJobNeedsForceWhichRequeuesTheJobAndRevokesTheToken() {
        String token = admin.create(ADMIN, "w1", Map.of(), null).token();
        Worker w1 = hub.authenticate(token).orElseThrow();
        hub.register(w1, Map.of(), gpus(1), null);
        JobId id = submitToWorkers("train");
        poll(w1, null);

        assertThatThrownBy(() -> admin.remove(ADMIN, "w1", false)).isInstanceOf(ConflictException.class)
                .hasMessageContaining("worker w1 runs job " + id + " attempt 1");
        assertThat(job(id).status()).isEqualTo(JobStatus.RUNNING);
        assertThatThrownBy(() -> admin.remove(QueueHarness.ALICE, "w1", true)).isInstanceOf(PermissionDeniedException.class);

        admin.remove(ADMIN, "w1", true);

        assertThat(job(id).status()).isEqualTo(JobStatus.PENDING);
        assertThat(job(id).attempt()).isEqualTo(2);
        assertThat(hub.authenticate(token)).isEmpty();
        assertThat(admin.list(ADMIN, null)).isEmpty();
    }

    @Test
    void aRotatedTokenReplacesTheOldOneAtOnce() {
        String old = admin.create(ADMIN, "w1", Map.of(), "gpu").token();
        String fresh = admin.rotate(ADMIN, "w1");
        assertThat(fresh).startsWith("gqw_").isNotEqualTo(old);
        assertThat(hub.authenticate(old)).isEmpty();
        assertThat(hub.authenticate(fresh).orElseThrow().id()).isEqualTo("w1");
        assertThat(hub.authenticate("gq_not-a-worker-token")).isEmpty();
    }

    @Test
    void aRestartedOrchestratorKeepsAWorkersJobAndRecordsItsEndOnce() {
        Worker w1 = online("w1", Map.of(), 1);
        JobId kept = submitToWorkers("train");
        Held held = Held.of(job(kept));
        poll(w1, null);

        queue.close();
        queue = queue();
        hub = queue.workers();
        queue.recover();

        assertThat(job(kept).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(store.read(r -> r.events(kept)).get(store.read(r -> r.events(kept)).size() - 1).type())
                .isEqualTo(QueueEvent.Type.ADOPTED);
        Worker again = hub.authenticate(tokenOf("w1")).orElseThrow();
        assertThat(hub.heartbeat(again, held).isEmpty()).as("it keeps running what it runs").isTrue();
        hub.ended(again, held, AttemptOutcome.exited(0));
        assertThat(job(kept).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(job(kept).attempt()).isEqualTo(1);
    }

    @Test
    void aWorkerThatNeverComesBackAfterARestartHasItsJobRequeuedAfterTheTimeout() {
        Worker w1 = online("w1", Map.of(), 1);
        JobId id = submitToWorkers("train");
        poll(w1, null);

        queue.close();
        clock.advance(Duration.ofMinutes(10));
        queue = queue();
        hub = queue.workers();
        queue.recover();
        hub.start();
        assertThat(hub.checkLiveness()).as("the full timeout from the restart").isEmpty();
        assertThat(new WorkerAdmin(hub).get(ADMIN, "w1").status()).isEqualTo(WorkerStatus.CONNECTING);

        clock.advance(TIMEOUT.plusSeconds(1));
        assertThat(hub.checkLiveness()).containsExactly("w1");
        assertThat(job(id).status()).isEqualTo(JobStatus.PENDING);
        assertThat(job(id).attempt()).isEqualTo(2);
    }

    @Test
    void anAutoJobPrefersAnIdleMatchingWorkerAndOtherwiseRunsLocally() {
        online("w1", Map.of("gpu_type", "a100"), 2);
        JobId onWorker = queue.service().submit(ALICE, SubmitRequest.builder("train")
                .workerLabels(Map.of("gpu_type", "a1*")).build()).jobId();
        JobId local = queue.service().submit(ALICE, SubmitRequest.builder("train")
                .workerLabels(Map.of("gpu_type", "v100")).build()).jobId();

        assertThat(job(onWorker).placement().workerId()).isEqualTo("w1");
        assertThat(job(local).placement().isLocal()).isTrue();
        assertThat(job(local).placement().gpus()).containsExactly(0);
    }

    @Test
    void logChunksFromTheWorkerThatHoldsTheJobGoToTheJobsLog() {
        List<String> written = new ArrayList<>();
        JobLogs logs = new JobLogs() {
            @Override
            public LogChunk read(JobId id, long offset, int maxBytes) {
                return new LogChunk(new byte[0], 0, 0);
            }

            @Override
            public long writeAttempt(JobId id, int attempt, long offset, byte[] data) {
                written.add(id + "." + attempt + "@" + offset + ":" + new String(data));
                return offset + data.length;
            }

            @Override
            public void delete(JobId id) {}
        };
        GpuQueue withLogs = GpuQueue.builder().store(store).clock(clock).configs(QueueHarness.CONFIGS).workers(registry)
                .logs(logs).build();
        queues.add(withLogs);
        WorkerHub logging = withLogs.workers();
        String token = new WorkerAdmin(logging).create(ADMIN, "w9", Map.of(), null).token();
        Worker w9 = logging.authenticate(token).orElseThrow();
        logging.register(w9, Map.of(), gpus(1), null);
        JobId id = withLogs.service().submit(ALICE, SubmitRequest.builder("train").target(Target.WORKER).build()).jobId();

        assertThat(logging.writeLog(w9, new Held(id, 1), 0, "hello\n".getBytes())).isEqualTo(6);
        assertThat(written).containsExactly(id + ".1@0:hello\n");
    }

    /** The token of a worker cannot be read back (only its hash is kept); a fresh one is issued for the test. */
    private String tokenOf(String workerId) {
        return new WorkerAdmin(hub).rotate(ADMIN, workerId);
    }
}
