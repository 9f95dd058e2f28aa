package dev.gpuqueue.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.ValidationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubernetesOptionsTest {
    @TempDir
    Path dir;

    /** A kubeconfig with two contexts on two API servers; the current one is "lab". */
    private Path kubeconfig() throws IOException {
        return Files.writeString(dir.resolve("config"), """
                apiVersion: v1
                kind: Config
                current-context: lab
                clusters:
                - name: lab
                  cluster:
                    server: https://lab.example:6443
                - name: prod
                  cluster:
                    server: https://prod.example:6443
                contexts:
                - name: lab
                  context: {cluster: lab, user: me}
                - name: prod
                  context: {cluster: prod, user: me, namespace: training}
                users:
                - name: me
                  user: {token: t0ken}
                """);
    }

    @Test
    void theCurrentContextIsUsedUnlessOneIsNamedAndItsNamespaceHoldsTheJobs() throws IOException {
        Path file = kubeconfig();
        try (KubernetesRunner lab = new KubernetesOptions(file, null, null).connect(new MemoryJobLogs());
                KubernetesRunner prod = new KubernetesOptions(file, "prod", null).connect(new MemoryJobLogs());
                KubernetesRunner chosen = new KubernetesOptions(file, "prod", "team-b").connect(new MemoryJobLogs())) {
            assertThat(lab.apiServer()).isEqualTo("https://lab.example:6443/");
            assertThat(lab.defaultNamespace()).isEqualTo("default");
            assertThat(prod.apiServer()).isEqualTo("https://prod.example:6443/");
            assertThat(prod.defaultNamespace()).isEqualTo("training");
            assertThat(chosen.defaultNamespace()).isEqualTo("team-b");
        }
    }

    @Test
    void anUnknownContextOrAMissingFileIsRefusedNamingWhatExists() throws IOException {
        Path file = kubeconfig();

        assertThatThrownBy(() -> new KubernetesOptions(file, "staging", null).connect(new MemoryJobLogs()))
                .isInstanceOf(ValidationException.class)
                .hasMessage("--kube-context staging: the kubeconfig has no such context (it has: lab, prod)");
        assertThatThrownBy(() -> new KubernetesOptions(dir.resolve("nope"), null, null).connect(new MemoryJobLogs()))
                .isInstanceOf(ValidationException.class)
                .hasMessage("--kubeconfig " + dir.resolve("nope") + ": no such readable file");
    }
}
