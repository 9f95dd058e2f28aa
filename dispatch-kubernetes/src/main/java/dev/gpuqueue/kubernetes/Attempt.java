package dev.gpuqueue.kubernetes;

import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.JobLogs;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One attempt the runner watches: its Job's namespace and name, who hears its end (exactly once),
 * the notes already made, the copy of its pod's log, and, once it is being stopped, when its Job is
 * gone. Thread-safe.
 */
final class Attempt {
    private static final System.Logger LOG = System.getLogger(Attempt.class.getName());

    private final JobId jobId;
    private final int number;
    private final String namespace;
    private final AttemptListener listener;
    private final KubernetesClient client;
    private final JobLogs logs;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final Set<String> notes = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> gone = new CompletableFuture<>();
    private volatile boolean stopping;
    private volatile Integer exitCode;
    private PodLogCopy logCopy;

    Attempt(JobId jobId, int number, String namespace, AttemptListener listener, KubernetesClient client, JobLogs logs) {
        this.jobId = jobId;
        this.number = number;
        this.namespace = namespace;
        this.listener = listener;
        this.client = client;
        this.logs = logs;
    }

    JobId jobId() {
        return jobId;
    }

    int number() {
        return number;
    }

    String namespace() {
        return namespace;
    }

    String name() {
        return JobManifests.name(jobId, number);
    }

    /** {@code namespace/name} of its Job, for messages. */
    String where() {
        return namespace + "/" + name();
    }

    AttemptListener listener() {
        return listener;
    }

    /** True once: whoever gets it reports the attempt's end. An attempt being stopped has no end to report. */
    boolean claimEnd() {
        return listener != null && !stopping && ended.compareAndSet(false, true);
    }

    void markStopping() {
        stopping = true;
    }

    boolean stopping() {
        return stopping;
    }

    /** Completes when its Job is gone (after a stop). */
    CompletableFuture<Void> gone() {
        return gone;
    }

    /** Tells the job's events about the attempt, once per distinct note. */
    void note(String text) {
        if (listener != null && !ended.get() && notes.add(text)) {
            listener.attemptNote(jobId, number, text);
        }
    }

    void sawExitCode(Integer code) {
        if (code != null) {
            exitCode = code;
        }
    }

    Integer exitCode() {
        return exitCode;
    }

    /** Starts copying the log of {@code pod} (the attempt's first pod seen running wins). */
    synchronized void copyLogsOf(String pod) {
        if (logCopy == null) {
            logCopy = new PodLogCopy(client, logs, jobId, number, namespace, pod);
        }
        if (logCopy.pod().equals(pod) && !ended.get()) {
            try {
                logCopy.follow();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "Job {0}: cannot follow the"
                        + " log of pod {1} yet: {2}", jobId, pod, e.getMessage());
            }
        }
    }

    /** Copies its pod's log to the end (when a pod ran). */
    void finishCopying() {
        logCopy().ifPresent(PodLogCopy::finish);
    }

    void stopCopying() {
        logCopy().ifPresent(PodLogCopy::stopFollowing);
    }

    private synchronized Optional<PodLogCopy> logCopy() {
        return Optional.ofNullable(logCopy);
    }
}
