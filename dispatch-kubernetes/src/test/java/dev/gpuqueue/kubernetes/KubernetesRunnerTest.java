package dev.gpuqueue.kubernetes;

import static dev.gpuqueue.core.testing.QueueHarness.ALICE;
import static dev.gpuqueue.core.testing.QueueHarness.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.GpuQueue;
import dev.gpuqueue.core.error.RunnerUnavailableException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.PendingReason;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.service.Reconciler;
import dev.gpuqueue.core.service.SettingsUpdate;
import dev.gpuqueue.core.service.SubmitRequest;
import dev.gpuqueue.core.service.SubmitResult;
import dev.gpuqueue.core.testing.Await;
import dev.gpuqueue.core.testing.MutableClock;
import dev.gpuqueue.core.testing.QueueHarness;
import dev.gpuqueue.core.testing.TestJobs;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Kubernetes runner inside a queue, against fabric8's mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class KubernetesRunnerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String NS = "test";

    KubernetesMockServer server;
    KubernetesClient client;

    private final JobStore store = new InMemoryJobStore();
    private final MutableClock clock = MutableClock.at(TestJobs.T0);
    private final MemoryJobLogs logs = new MemoryJobLogs();
    private final List<KubernetesRunner> runners = new ArrayList<>();
    private GpuQueue queue;

    static final Map<String, JobSpec> CONFIGS = Map.of(
            "train", kubernetesJob(Map.of("image", "pytorch/pytorch:2.5.1"), 1, null),
            "big", JobSpec.builder().command(List.of("torchrun", "--nproc-per-node", "2", "train.py")).numProcesses(2)
                    .env(Map.of("LR", "0.001")).maxRuntimeSeconds(3600L).runner("kubernetes")
                    .kubernetes(Map.of("image", "pytorch/pytorch:2.5.1", "namespace", "ml", "queue_name", "team-a",
                            "resources", Map.of("memory", "64Gi", "cpu", 8), "node_selector", Map.of("gpu", "a100"),
                            "service_account", "trainer"))
                    .build(),
            "short", kubernetesJob(Map.of("image", "busybox"), 1, 60L),
            "local", JobSpec.of("python", "train.py"));

    static JobSpec kubernetesJob(Map<String, Object> section, int gpus, Long maxRuntime) {
        return JobSpec.builder().command(List.of("python", "train.py")).numProcesses(gpus).maxRuntimeSeconds(maxRuntime)
                .runner("kubernetes").kubernetes(section).build();
    }

    @BeforeEach
    void startQueue() {
        queue = queueOn(newRunner());
    }

    @AfterEach
    void stop() {
        queue.close();
        runners.forEach(KubernetesRunner::close);
    }

    private KubernetesRunner newRunner() {
        KubernetesRunner runner = new KubernetesRunner(new KubernetesClientBuilder().withConfig(client.getConfiguration())
                .build(), NS, logs);
        runners.add(runner);
        return runner;
    }

    private GpuQueue queueOn(KubernetesRunner runner) {
        return GpuQueue.builder().store(store).runner(runner).clock(clock).configs(CONFIGS).logs(logs)
                .stopGrace(Duration.ofSeconds(1)).stopConfirmWait(Duration.ofSeconds(10)).build();
    }

    private JobId submit(String config) {
        return submit(ALICE, config);
    }

    private JobId submit(dev.gpuqueue.core.model.Caller caller, String config) {
        SubmitResult result = queue.service().submit(caller, SubmitRequest.builder(config).build());
        return result.jobId();
    }

    private dev.gpuqueue.core.model.Job job(JobId id) {
        return queue.service().job(QueueHarness.ADMIN, id);
    }

    private Job k8sJob(String namespace, JobId id, int attempt) {
        return client.batch().v1().jobs().inNamespace(namespace).withName(JobManifests.name(id, attempt)).get();
    }

    private List<Job> k8sJobsOf(JobId id) {
        return client.batch().v1().jobs().inAnyNamespace().withLabel(JobManifests.JOB_ID, id.value()).list().getItems();
    }

    private void setCondition(String namespace, JobId id, int attempt, String type, String reason, String message) {
        Job job = k8sJob(namespace, id, attempt);
        job.setStatus(new JobStatusBuilder().addNewCondition().withType(type).withStatus("True").withReason(reason)
                .withMessage(message).endCondition().build());
        client.batch().v1().jobs().inNamespace(namespace).resource(job).updateStatus();
    }

    private Pod podOf(JobId id, int attempt, String phase) {
        return new PodBuilder().withNewMetadata().withName(JobManifests.name(id, attempt) + "-x7k2p").withNamespace(NS)
                .addToLabels(JobManifests.MANAGED_BY, JobManifests.MANAGER).addToLabels(JobManifests.JOB_ID, id.value())
                .addToLabels(JobManifests.ATTEMPT, Integer.toString(attempt)).endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("busybox").endContainer().endSpec()
                .withNewStatus().withPhase(phase).endStatus().build();
    }

    private void awaitStatus(JobId id, JobStatus status) {
        Await.until("job " + id + " " + status.wireName(), WAIT, () -> job(id).status() == status);
    }

    private List<String> eventsOf(JobId id, QueueEvent.Type type) {
        return queue.service().events(QueueHarness.ADMIN, id).stream().filter(e -> e.type() == type).map(QueueEvent::detail).toList();
    }

    @Test
    void aSubmittedJobRunsAsOneKubernetesJobWithExactlyTheExpectedSpec() {
        JobId id = submit("big");

        assertThat(job(id).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(job(id).placement().runner()).isEqualTo("kubernetes");
        Job created = k8sJob("ml", id, 1);
        assertThat(created.getMetadata().getLabels()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "app.kubernetes.io/managed-by", "gpuqueue", "gpuqueue.dev/job-id", id.value(),
                "gpuqueue.dev/attempt", "1", "gpuqueue.dev/user", "alice", "kueue.x-k8s.io/queue-name", "team-a"));
        assertThat(created.getMetadata().getAnnotations()).containsEntry("gpuqueue.dev/config", "big");
        assertThat(created.getSpec().getBackoffLimit()).isZero();
        assertThat(created.getSpec().getActiveDeadlineSeconds()).isEqualTo(3600L);
        var pod = created.getSpec().getTemplate().getSpec();
        assertThat(created.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry("gpuqueue.dev/job-id", id.value()).containsEntry("gpuqueue.dev/attempt", "1")
                .doesNotContainKey("kueue.x-k8s.io/queue-name");
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getNodeSelector()).isEqualTo(Map.of("gpu", "a100"));
        assertThat(pod.getServiceAccountName()).isEqualTo("trainer");
        Container container = pod.getContainers().get(0);
        assertThat(container.getName()).isEqualTo("main");
        assertThat(container.getImage()).isEqualTo("pytorch/pytorch:2.5.1");
        assertThat(container.getCommand()).containsExactly("torchrun", "--nproc-per-node", "2", "train.py");
        assertThat(container.getResources().getLimits()).isEqualTo(Map.of("nvidia.com/gpu", new Quantity("2"),
                "memory", new Quantity("64Gi"), "cpu", new Quantity("8")));
        assertThat(container.getEnv()).extracting(e -> e.getName() + "=" + e.getValue())
                .containsExactly("LR=0.001", "GPUQUEUE_JOB_ID=" + id.value(), "GPUQUEUE_ATTEMPT=1", "GPUQUEUE_NUM_PROCESSES=2");
        assertThat(k8sJobsOf(id)).hasSize(1);
    }

    @Test
    void aCompleteJobCompletesAndAFailedOneFailsWithKubernetesReasonAndTheExitCode() {
        JobId done = submit("train");
        JobId broken = submit(BOB, "train");
        client.pods().inNamespace(NS).resource(new PodBuilder(podOf(broken, 1, "Failed")).editStatus()
                .addNewContainerStatus().withName("main").withNewState().withNewTerminated().withExitCode(3)
                .endTerminated().endState().endContainerStatus().endStatus().build()).create();

        setCondition(NS, done, 1, "Complete", null, null);
        setCondition(NS, broken, 1, "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit");

        awaitStatus(done, JobStatus.COMPLETED);
        assertThat(job(done).exitCode()).isZero();
        awaitStatus(broken, JobStatus.FAILED);
        assertThat(job(broken).errorMessage()).isEqualTo("Kubernetes Job failed: BackoffLimitExceeded (Job has reached"
                + " the specified backoff limit); container main exited with code 3");
        assertThat(k8sJobsOf(broken)).hasSize(1); // a failed attempt is not retried inside the cluster
    }

    @Test
    void aJobDeletedBySomeoneElseIsRequeuedAndItsNextAttemptIsANewJob() {
        JobId id = submit("train");

        client.batch().v1().jobs().inNamespace(NS).withName(JobManifests.name(id, 1)).delete();

        Await.until("attempt 2 created", WAIT, () -> k8sJob(NS, id, 2) != null);
        assertThat(job(id).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(job(id).attempt()).isEqualTo(2);
        assertThat(eventsOf(id, QueueEvent.Type.LOST)).singleElement().asString()
                .contains("its Kubernetes Job test/" + JobManifests.name(id, 1) + " was deleted outside gpuqueue");
        assertThat(k8sJobsOf(id)).extracting(j -> j.getMetadata().getName()).containsExactly(JobManifests.name(id, 2));
    }

    @Test
    void cancelDeletesTheJobAndReturnsOnceItIsGone() {
        JobId id = submit("train");

        dev.gpuqueue.core.model.Job cancelled = queue.service().cancel(ALICE, id);

        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(k8sJobsOf(id)).isEmpty();
        assertThat(eventsOf(id, QueueEvent.Type.LOST)).isEmpty();
    }

    @Test
    void theRuntimeLimitIsTheJobsDeadlineAndGpuqueueEnforcesItToo() {
        JobId id = submit("short");
        assertThat(k8sJob(NS, id, 1).getSpec().getActiveDeadlineSeconds()).isEqualTo(60L);

        clock.advance(Duration.ofSeconds(61));
        queue.scheduler().enforceTimeLimits();

        Await.until("the job failed for its time limit", WAIT, () -> job(id).status() == JobStatus.FAILED);
        assertThat(job(id).errorMessage()).contains("exceeded max runtime of 60 s");
        assertThat(k8sJobsOf(id)).isEmpty();
    }

    @Test
    void aRestartAdoptsRunningJobsRecordsOnesThatEndedAndRequeuesMissingOnesWithoutASecondJob() {
        JobId running = submit("train");
        JobId finished = submit("train");
        JobId failed = submit(BOB, "train");
        JobId vanished = submit(BOB, "train");
        queue.close();
        runners.get(0).close();
        setCondition(NS, finished, 1, "Complete", null, null);
        setCondition(NS, failed, 1, "Failed", "DeadlineExceeded", "Job was active longer than specified deadline");
        client.batch().v1().jobs().inNamespace(NS).withName(JobManifests.name(vanished, 1)).delete();

        queue = queueOn(newRunner());
        Reconciler.Report report = queue.recover();

        assertThat(report.adopted()).extracting(dev.gpuqueue.core.model.Job::id).containsExactly(running);
        assertThat(job(finished).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(job(failed).status()).isEqualTo(JobStatus.FAILED);
        assertThat(job(failed).errorMessage()).startsWith("Kubernetes Job failed: DeadlineExceeded");
        assertThat(report.requeued()).extracting(dev.gpuqueue.core.model.Job::id).containsExactly(vanished);
        assertThat(k8sJobsOf(running)).hasSize(1);
        assertThat(k8sJobsOf(finished)).hasSize(1);
        Await.until("the requeued job's attempt 2", WAIT, () -> k8sJob(NS, vanished, 2) != null);

        setCondition(NS, running, 1, "Complete", null, null);
        awaitStatus(running, JobStatus.COMPLETED);
        assertThat(eventsOf(running, QueueEvent.Type.COMPLETED)).hasSize(1);
        assertThat(k8sJobsOf(running)).hasSize(1);
    }

    @Test
    void aRepeatedCreateOfTheSameAttemptIsANoOp() {
        JobId id = submit("train");
        dev.gpuqueue.core.model.Job running = job(id);

        runners.get(0).start(running, queueListenerIgnored());

        assertThat(k8sJobsOf(id)).hasSize(1);
    }

    private static dev.gpuqueue.core.port.AttemptListener queueListenerIgnored() {
        return new dev.gpuqueue.core.port.AttemptListener() {
            @Override
            public void attemptEnded(JobId jobId, int attempt, dev.gpuqueue.core.port.AttemptOutcome outcome) {}

            @Override
            public void attemptLost(JobId jobId, int attempt, String reason) {}
        };
    }

    @Test
    void queueRulesStillDecide_aUserAtTheirLimitWaitsWithThatReason() {
        queue.service().updateSettings(QueueHarness.ADMIN, SettingsUpdate.of(Map.of("user_max_concurrent", 1)));
        JobId first = submit("train");

        SubmitResult second = queue.service().submit(ALICE, SubmitRequest.builder("train").build());

        assertThat(job(first).status()).isEqualTo(JobStatus.RUNNING);
        assertThat(second.status()).isEqualTo(SubmitResult.Outcome.QUEUED);
        assertThat(second.reason()).isEqualTo("user limit 1/1");
        assertThat(k8sJobsOf(second.jobId())).isEmpty();

        setCondition(NS, first, 1, "Complete", null, null);
        Await.until("the second job's Job", WAIT, () -> k8sJob(NS, second.jobId(), 1) != null);
    }

    @Test
    void anUnschedulablePodLeavesTheJobRunningWithTheReasonInItsEvents() {
        JobId id = submit("train");
        Pod pending = new PodBuilder(podOf(id, 1, "Pending")).editStatus().addNewCondition().withType("PodScheduled")
                .withStatus("False").withReason("Unschedulable")
                .withMessage("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.").endCondition().endStatus().build();

        client.pods().inNamespace(NS).resource(pending).create();

        Await.until("the note", WAIT, () -> !eventsOf(id, QueueEvent.Type.RUNNER_NOTE).isEmpty());
        assertThat(eventsOf(id, QueueEvent.Type.RUNNER_NOTE)).containsExactly("the cluster cannot place pod "
                + pending.getMetadata().getName() + " yet: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
        assertThat(job(id).status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void thePodsLogIsCopiedIntoTheJobsLog() {
        JobId id = submit("train");
        Pod pod = podOf(id, 1, "Running");
        String logPath = "/api/v1/namespaces/" + NS + "/pods/" + pod.getMetadata().getName() + "/log?pretty=false";
        server.expect().get().withPath(logPath + "&container=main&follow=true").andReturn(200, "epoch 1\n").always();
        server.expect().get().withPath(logPath + "&container=main").andReturn(200, "epoch 1\nepoch 2\n").always();

        client.pods().inNamespace(NS).resource(pod).create();
        Await.until("the followed log", WAIT, () -> logs.text(id).equals("epoch 1\n"));
        setCondition(NS, id, 1, "Complete", null, null);

        awaitStatus(id, JobStatus.COMPLETED);
        assertThat(logs.text(id)).isEqualTo("epoch 1\nepoch 2\n");
    }

    @Test
    void badConfigsAreRefusedAtSubmitNamingWhatToFix() {
        assertThatThrownBy(() -> queue.service().submit(ALICE, SubmitRequest.builder("x")
                .spec(kubernetesJob(Map.of("namespace", "ml"), 1, null)).build()))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("kubernetes.image is required");
        assertThatThrownBy(() -> queue.service().submit(ALICE, SubmitRequest.builder("x")
                .spec(kubernetesJob(Map.of("image", "x", "gpus", 2), 1, null)).build()))
                .isInstanceOf(ValidationException.class).hasMessage("unknown kubernetes field [gpus]; allowed: image,"
                        + " namespace, queue_name, resources, node_selector, service_account");
        assertThatThrownBy(() -> queue.service().submit(ALICE, SubmitRequest.builder("x")
                .spec(kubernetesJob(Map.of("image", "x", "namespace", "ML team"), 1, null)).build()))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("kubernetes.namespace must be");
        assertThatThrownBy(() -> queue.service().submit(ALICE, SubmitRequest.builder("x")
                .spec(kubernetesJob(Map.of("image", "x", "resources", Map.of("nvidia.com/gpu", 2)), 1, null)).build()))
                .isInstanceOf(ValidationException.class).hasMessageContaining("the job gets num_processes GPUs");
        assertThatThrownBy(() -> queue.service().submit(ALICE, SubmitRequest.builder("x")
                .spec(kubernetesJob(Map.of("image", "x", "resources", Map.of("memory", "lots")), 1, null)).build()))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("kubernetes.resources.memory must be");
        assertThatThrownBy(() -> queue.service().submit(ALICE, SubmitRequest.builder("x")
                .spec(kubernetesJob(Map.of("image", "x"), 1, null).toBuilder().deviceIds(List.of(0)).build()).build()))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("device_ids name this machine's GPUs");

        assertThat(queue.service().jobs(ALICE, dev.gpuqueue.core.service.JobsQuery.firstPage()).jobs()).isEmpty();
        assertThat(client.batch().v1().jobs().inAnyNamespace().list().getItems()).isEmpty();
    }

    @Test
    void aServerWithoutTheKubernetesRunnerRefusesSuchJobsNamingTheOption() {
        GpuQueue plain = GpuQueue.builder().configs(CONFIGS).build();

        assertThatThrownBy(() -> plain.service().submit(ALICE, SubmitRequest.builder("train").build()))
                .isInstanceOf(ValidationException.class)
                .hasMessage("the config asks for runner 'kubernetes', which this server does not run; start the server"
                        + " with --kubernetes to run such jobs");
    }

    @Test
    void anUnreachableClusterIsA503NamingTheApiServerAndJobsForItWait() {
        server.destroy();
        KubernetesRunner unreachable = newRunner();
        GpuQueue down = queueOn(unreachable);
        long started = System.nanoTime();

        assertThatThrownBy(() -> down.service().submit(ALICE, SubmitRequest.builder("train").build()))
                .isInstanceOf(RunnerUnavailableException.class)
                .hasMessageStartingWith("cannot reach the Kubernetes API server at " + client.getMasterUrl());
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        assertThat(unreachable.unavailable()).get().asString().startsWith("cannot reach the Kubernetes API server");
        down.close();
    }
}
