package dev.gpuqueue.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.cli.CliRun.Result;
import dev.gpuqueue.cli.server.GpuqueueServer;
import dev.gpuqueue.cli.server.ServerConfig;
import dev.gpuqueue.core.testing.Await;
import dev.gpuqueue.kubernetes.KubernetesOptions;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The assembled server with {@code --kubernetes} pointed, through a kubeconfig file and context,
 * at fabric8's mock API server: jobs go to the cluster over HTTP and the CLI, bad configs are 400s,
 * an unreachable cluster is a 503.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesServerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    KubernetesClient client;

    @TempDir
    Path home;

    private Path configs;
    private StringWriter summary;
    private GpuqueueServer server;
    private String url;

    @BeforeEach
    void startServer() throws IOException {
        configs = Files.createDirectories(home.resolve("configs"));
        Files.writeString(configs.resolve("finetune.json"), """
                {"command": ["torchrun", "--nproc-per-node", "2", "train.py"], "num_processes": 2,
                 "env": {"LR": "0.0003"}, "max_runtime_seconds": 7200, "runner": "kubernetes",
                 "kubernetes": {"image": "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime", "queue_name": "team-a",
                                "resources": {"memory": "64Gi", "cpu": 8}}}
                """);
        Files.writeString(configs.resolve("no-image.json"), """
                {"command": ["python", "train.py"], "runner": "kubernetes", "kubernetes": {"namespace": "ml"}}
                """);
        server = start(client.getMasterUrl().toString());
        url = "http://127.0.0.1:" + server.port();
    }

    private GpuqueueServer start(String apiServer) throws IOException {
        Path kubeconfig = Files.writeString(home.resolve("kubeconfig-" + apiServer.hashCode()), """
                apiVersion: v1
                kind: Config
                current-context: elsewhere
                clusters:
                - name: mock
                  cluster: {server: "%s", insecure-skip-tls-verify: true}
                contexts:
                - name: elsewhere
                  context: {cluster: mock, user: me, namespace: wrong}
                - name: mock
                  context: {cluster: mock, user: me, namespace: ml-jobs}
                users:
                - name: me
                  user: {token: t0ken}
                """.formatted(apiServer));
        summary = new StringWriter();
        return GpuqueueServer.start(ServerConfig.of("127.0.0.1", 0, home, configs, "2", Duration.ofMillis(200))
                .withKubernetes(new KubernetesOptions(kubeconfig, "mock", null)), new PrintWriter(summary));
    }

    @AfterEach
    void stopServer() {
        server.stop();
    }

    private Result run(String... args) {
        return CliRun.execute(url, "", args);
    }

    private Job k8sJob(String id) {
        return client.batch().v1().jobs().inNamespace("ml-jobs").withName("gpuqueue-" + id + "-1").get();
    }

    @Test
    void aKubernetesJobSubmittedThroughTheCliBecomesAJobInTheContextsNamespaceAndEndsWithIt() throws IOException {
        assertThat(summary.toString()).contains("  kubernetes: " + client.getMasterUrl() + ", namespace ml-jobs\n");

        Result submitted = run("jobs", "submit", "finetune");
        assertThat(submitted.exit()).as(submitted.err()).isZero();
        String id = submitted.out().split(" ")[1];
        Await.until("its Kubernetes Job", WAIT, () -> k8sJob(id) != null);

        Job created = k8sJob(id);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "kubernetes-2-gpu-job.yaml"), Serialization.asYaml(created));
        assertThat(created.getMetadata().getLabels()).containsEntry("kueue.x-k8s.io/queue-name", "team-a")
                .containsEntry("gpuqueue.dev/job-id", id).containsEntry("gpuqueue.dev/user", "local");
        assertThat(created.getSpec().getActiveDeadlineSeconds()).isEqualTo(7200L);
        var container = created.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime");
        assertThat(container.getResources().getLimits().get("nvidia.com/gpu").toString()).isEqualTo("2");
        assertThat(run("jobs", "list", "--format", "json", "-o", "job_id,status").json().toString())
                .isEqualTo("[{\"job_id\":\"" + id + "\",\"status\":\"running\"}]");

        created.setStatus(new JobStatusBuilder().addNewCondition().withType("Complete").withStatus("True").endCondition()
                .build());
        client.batch().v1().jobs().inNamespace("ml-jobs").resource(created).updateStatus();
        Await.until("the job to complete", WAIT, () -> run("jobs", "list", "--format", "json", "-o", "job_id,status")
                .json().toString().equals("[{\"job_id\":\"" + id + "\",\"status\":\"completed\"}]"));
    }

    @Test
    void aConfigWithoutAnImageIsA400AndCancelDeletesTheJob() {
        Result refused = run("jobs", "submit", "no-image");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains("kubernetes.image");
        assertThat(client.batch().v1().jobs().inAnyNamespace().list().getItems()).isEmpty();

        String id = run("jobs", "submit", "finetune").out().split(" ")[1];
        Await.until("its Kubernetes Job", WAIT, () -> k8sJob(id) != null);
        Result cancelled = run("jobs", "cancel", id, "--force");
        assertThat(cancelled.exit()).as(cancelled.err()).isZero();
        Await.until("the Job to be deleted", WAIT, () -> k8sJob(id) == null);
    }

    @Test
    void anUnreachableClusterIsA503NamingTheApiServer() throws Exception {
        server.stop();
        server = start("https://127.0.0.1:1/");
        assertThat(summary.toString()).contains("  kubernetes: https://127.0.0.1:1/, namespace ml-jobs (cannot reach the"
                + " Kubernetes API server at https://127.0.0.1:1/");

        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/api/queue/submit"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"config_name\": \"finetune\"}")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("cannot reach the Kubernetes API server at https://127.0.0.1:1/ (connection refused)");
    }

    @Test
    void kubeOptionsWithoutKubernetesAreRefused() {
        Result refused = run("server", "--kube-context", "prod", "--port", "0");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains("--kubeconfig, --kube-context and --kube-namespace only apply with"
                + " --kubernetes; add it");
    }
}
