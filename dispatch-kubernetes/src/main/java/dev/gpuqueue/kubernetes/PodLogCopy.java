package dev.gpuqueue.kubernetes;

import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.port.JobLogs;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.fabric8.kubernetes.client.dsl.ContainerResource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Copies the log of an attempt's pod into the job's log through the API, so {@code jobs logs -f}
 * reads it like any job's and it outlives the pod: while the pod runs, by following the log; at the
 * attempt's end, by reading it once more from the start (each byte lands at its offset in the
 * attempt's output, so bytes copied twice change nothing). Thread-safe.
 */
final class PodLogCopy {
    private static final System.Logger LOG = System.getLogger(PodLogCopy.class.getName());

    private final KubernetesClient client;
    private final JobLogs logs;
    private final JobId jobId;
    private final int attempt;
    private final String namespace;
    private final String pod;
    private LogWatch following;

    PodLogCopy(KubernetesClient client, JobLogs logs, JobId jobId, int attempt, String namespace, String pod) {
        this.client = client;
        this.logs = logs;
        this.jobId = jobId;
        this.attempt = attempt;
        this.namespace = namespace;
        this.pod = pod;
    }

    String pod() {
        return pod;
    }

    /** Starts following the pod's log (once its container has started). */
    synchronized void follow() {
        if (following == null) {
            following = resource().watchLog(new AttemptOutput());
        }
    }

    /** Stops following, then copies the whole log once more: the attempt's output is complete after this. */
    synchronized void finish() {
        stopFollowing();
        try (InputStream in = resource().getLogInputStream(); OutputStream out = new AttemptOutput()) {
            in.transferTo(out);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Job {0} attempt {1}: the log of pod {2}/{3} could not be read to"
                    + " its end: {4}", jobId, attempt, namespace, pod, e.getMessage());
        }
    }

    synchronized void stopFollowing() {
        if (following != null) {
            following.close();
            following = null;
        }
    }

    private ContainerResource resource() {
        return client.pods().inNamespace(namespace).withName(pod).inContainer(JobManifests.CONTAINER);
    }

    /** Writes what it is given at its offset in the attempt's output, counting from the log's start. */
    private final class AttemptOutput extends OutputStream {
        private long offset;

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] data, int from, int length) {
            logs.writeAttempt(jobId, attempt, offset, Arrays.copyOfRange(data, from, from + length));
            offset += length;
        }
    }
}
