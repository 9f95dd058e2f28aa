package dev.gpuqueue.kubernetes;

import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.port.JobLogs;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * How the server reaches its cluster: the usual kubeconfig ({@code $KUBECONFIG}, else
 * {@code ~/.kube/config}) or, inside a pod, the in-cluster service account, unless a kubeconfig
 * file is named; optionally one of its contexts; the namespace of jobs whose config names none
 * (default: the context's namespace, else {@code default}). Every field may be null. Immutable.
 */
public record KubernetesOptions(Path kubeconfig, String context, String namespace) {
    /** Bounds on one request, so an unreachable cluster is an answer within seconds, never a hang. */
    static final int CONNECT_TIMEOUT_MS = 5_000;
    static final int REQUEST_TIMEOUT_MS = 10_000;
    static final int REQUEST_RETRIES = 2;

    /**
     * A runner on the configured cluster, not yet started; nothing is sent until it runs a job or
     * is asked whether the cluster answers.
     *
     * @throws ValidationException when the named kubeconfig file or context does not exist
     */
    public KubernetesRunner connect(JobLogs logs) {
        Config config = new ConfigBuilder(load())
                .withConnectionTimeout(CONNECT_TIMEOUT_MS)
                .withRequestTimeout(REQUEST_TIMEOUT_MS)
                .withRequestRetryBackoffLimit(REQUEST_RETRIES)
                .build();
        String jobsNamespace = namespace != null ? namespace
                : config.getNamespace() != null ? config.getNamespace() : "default";
        return new KubernetesRunner(new KubernetesClientBuilder().withConfig(config).build(), jobsNamespace, logs);
    }

    private Config load() {
        if (kubeconfig != null && !Files.isReadable(kubeconfig)) {
            throw new ValidationException("--kubeconfig " + kubeconfig + ": no such readable file");
        }
        Config config = kubeconfig != null ? Config.fromKubeconfig(context, kubeconfig.toFile())
                : Config.autoConfigure(context);
        if (context != null && (config.getCurrentContext() == null
                || !context.equals(config.getCurrentContext().getName()))) {
            throw new ValidationException("--kube-context " + context + ": the kubeconfig has no such context"
                    + (config.getContexts() == null || config.getContexts().isEmpty() ? ""
                            : " (it has: " + config.getContexts().stream().map(NamedContext::getName).sorted()
                                    .collect(Collectors.joining(", ")) + ")"));
        }
        return config;
    }
}
