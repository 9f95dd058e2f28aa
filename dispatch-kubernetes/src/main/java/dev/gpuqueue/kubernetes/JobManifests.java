package dev.gpuqueue.kubernetes;

import dev.gpuqueue.core.model.JobId;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code batch/v1} Job of one attempt, and how to read one back: a name made of the job id and
 * attempt (so a repeated create finds the first one), gpuqueue's labels on the Job and its pods,
 * {@code nvidia.com/gpu} = {@code num_processes}, {@code backoffLimit: 0} (gpuqueue's attempts are
 * the retries), the runtime limit as {@code activeDeadlineSeconds}, and the Kueue queue label when
 * the config names a queue. Stateless.
 */
final class JobManifests {
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String MANAGER = "gpuqueue";
    static final String JOB_ID = "gpuqueue.dev/job-id";
    static final String ATTEMPT = "gpuqueue.dev/attempt";
    static final String USER = "gpuqueue.dev/user";
    static final String CONFIG = "gpuqueue.dev/config";
    static final String KUEUE_QUEUE = "kueue.x-k8s.io/queue-name";
    static final String CONTAINER = "main";

    private JobManifests() {}

    /** The Job's name for {@code attempt} of job {@code id}: {@code gpuqueue-<id>-<attempt>}, a valid DNS label. */
    static String name(JobId id, int attempt) {
        String safe = id.value().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        return "gpuqueue-" + safe + "-" + attempt;
    }

    static Job build(dev.gpuqueue.core.model.Job job, KubernetesSection section, String namespace) {
        Map<String, String> podLabels = new LinkedHashMap<>();
        podLabels.put(MANAGED_BY, MANAGER);
        podLabels.put(JOB_ID, job.id().value());
        podLabels.put(ATTEMPT, Integer.toString(job.attempt()));
        Map<String, String> labels = new LinkedHashMap<>(podLabels);
        labels.put(USER, labelValue(job.submitter().userName()));
        if (section.queueName() != null) {
            labels.put(KUEUE_QUEUE, section.queueName());
        }
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(USER, job.submitter().userName());
        if (job.configName() != null) {
            annotations.put(CONFIG, job.configName());
        }
        Map<String, Quantity> limits = new LinkedHashMap<>();
        limits.put(KubernetesSection.GPU_RESOURCE, new Quantity(Integer.toString(job.numProcesses())));
        section.resources().forEach((name, quantity) -> limits.put(name, new Quantity(quantity)));
        List<EnvVar> env = new ArrayList<>();
        job.spec().env().forEach((name, value) -> {
            if (!dev.gpuqueue.core.model.Job.isQueueVariable(name)) {
                env.add(new EnvVar(name, value, null));
            }
        });
        job.queueVariables().forEach((name, value) -> env.add(new EnvVar(name, value, null)));
        return new JobBuilder()
                .withNewMetadata()
                    .withName(name(job.id(), job.attempt()))
                    .withNamespace(namespace)
                    .withLabels(labels)
                    .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                    .withBackoffLimit(0)
                    .withActiveDeadlineSeconds(job.spec().maxRuntimeSeconds())
                    .withNewTemplate()
                        .withNewMetadata().withLabels(podLabels).endMetadata()
                        .withNewSpec()
                            .withRestartPolicy("Never")
                            .withServiceAccountName(section.serviceAccount())
                            .withNodeSelector(section.nodeSelector().isEmpty() ? null : section.nodeSelector())
                            .addNewContainer()
                                .withName(CONTAINER)
                                .withImage(section.image())
                                .withCommand(job.spec().command().isEmpty() ? null : job.spec().command())
                                .withWorkingDir(job.spec().workingDir())
                                .withEnv(env)
                                .withNewResources().withLimits(limits).endResources()
                            .endContainer()
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    /** The job id and attempt a Job or pod of ours carries in its labels; empty for anything else. */
    static Optional<Owner> owner(Map<String, String> labels) {
        if (labels == null || !MANAGER.equals(labels.get(MANAGED_BY)) || labels.get(JOB_ID) == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Owner(JobId.of(labels.get(JOB_ID)), Integer.parseInt(labels.get(ATTEMPT))));
        } catch (RuntimeException notOurs) {
            return Optional.empty();
        }
    }

    /** Which attempt of which job a Job or pod belongs to. Immutable. */
    record Owner(JobId jobId, int attempt) {}

    /** A user name as a label value: at most 63 characters, starting and ending with a letter or digit. */
    private static String labelValue(String name) {
        String value = name.length() > 63 ? name.substring(0, 63) : name;
        value = value.replaceAll("^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "");
        return value.isEmpty() ? "user" : value;
    }
}
