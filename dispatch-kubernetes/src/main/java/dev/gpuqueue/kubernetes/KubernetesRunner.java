package dev.gpuqueue.kubernetes;

import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.error.StaleReportException;
import dev.gpuqueue.core.error.StopIncompleteException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.AttemptState;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.port.JobRunner;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs jobs whose config says {@code "runner": "kubernetes"} as one {@code batch/v1} Job per
 * attempt ({@link JobManifests}). Outcomes come from informers on gpuqueue's Jobs and pods in each
 * namespace used (Complete → exit 0; Failed → failed with Kubernetes' reason; deleted by someone
 * else → lost), notes on attempts the cluster holds back (an unschedulable pod, a Job suspended by
 * Kueue) become job events, pod logs are copied into the job's log, and a stop deletes the Job in
 * the foreground and completes once it is gone. Jobs for it wait, instead of failing, while the API
 * server cannot be reached. Thread-safe.
 */
public final class KubernetesRunner implements JobRunner, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KubernetesRunner.class.getName());
    /** How long a stop waits, beyond the grace, for the cluster to delete the Job before it is reported incomplete. */
    static final Duration DELETE_WAIT = Duration.ofSeconds(60);

    private final KubernetesClient client;
    private final String defaultNamespace;
    private final JobLogs logs;
    private final ClusterHealth health;
    private final ExecutorService background;
    private final Map<JobId, Attempt> attempts = new ConcurrentHashMap<>();
    private final Map<String, NamespaceWatch> watches = new ConcurrentHashMap<>();

    /**
     * A runner on {@code client}'s cluster; {@code defaultNamespace} holds the Jobs of configs that
     * name none; pod logs go to {@code logs}. Closing the runner closes the client.
     */
    public KubernetesRunner(KubernetesClient client, String defaultNamespace, JobLogs logs) {
        this.client = client;
        this.defaultNamespace = defaultNamespace;
        this.logs = logs;
        this.background = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "gpuqueue-kubernetes");
            thread.setDaemon(true);
            return thread;
        });
        this.health = new ClusterHealth(client.getMasterUrl().toString(), client::getKubernetesVersion, background,
                System::nanoTime);
    }

    @Override
    public String name() {
        return JobSpec.KUBERNETES;
    }

    /** The API server this runner talks to. */
    public String apiServer() {
        return client.getMasterUrl().toString();
    }

    /** The namespace of jobs whose config names none. */
    public String defaultNamespace() {
        return defaultNamespace;
    }

    @Override
    public void check(JobSpec spec) {
        KubernetesSection.of(spec);
        health.require();
    }

    @Override
    public Optional<String> unavailable() {
        return health.problem();
    }

    /** Asks the API server now, waiting at most the client's timeouts: why it cannot take jobs, empty when it answered. */
    public Optional<String> problemNow() {
        return health.problemNow();
    }

    // ---- starting --------------------------------------------------------------------------------

    @Override
    public Optional<ProcessRef> start(Job job, AttemptListener listener) {
        KubernetesSection section;
        try {
            section = KubernetesSection.of(job.spec());
        } catch (RuntimeException e) {
            throw new LaunchException("its kubernetes section is not valid: " + e.getMessage());
        }
        Attempt attempt = track(job, section.namespaceOr(defaultNamespace), listener);
        io.fabric8.kubernetes.api.model.batch.v1.Job manifest = JobManifests.build(job, section, attempt.namespace());
        try {
            watch(attempt.namespace());
            client.batch().v1().jobs().inNamespace(attempt.namespace()).resource(manifest).create();
            health.answered();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409 || !isThisAttempt(attempt)) {
                attempts.remove(job.id(), attempt);
                if (e.getCode() == 0) {
                    health.unreachable(e);
                    throw new LaunchException(health.describe(e));
                }
                throw new LaunchException("Kubernetes refused the Job " + attempt.where() + ": " + e.getMessage());
            }
            LOG.log(Level.INFO, "Job {0} attempt {1}: its Kubernetes Job {2} exists already; watching it", job.id(),
                    job.attempt(), attempt.where());
        }
        catchUp(attempt);
        return Optional.empty();
    }

    /** Whether the existing Job of the attempt's name carries this attempt's labels (a repeated create). */
    private boolean isThisAttempt(Attempt attempt) {
        io.fabric8.kubernetes.api.model.batch.v1.Job existing;
        try {
            existing = get(attempt);
        } catch (KubernetesClientException e) {
            return false;
        }
        return existing != null && JobManifests.owner(existing.getMetadata().getLabels())
                .filter(owner -> owner.jobId().equals(attempt.jobId()) && owner.attempt() == attempt.number())
                .isPresent();
    }

    @Override
    public void resume(Job job, AttemptListener listener) {
        Attempt attempt = track(job, namespaceOf(job), listener);
        watch(attempt.namespace());
        catchUp(attempt);
    }

    private Attempt track(Job job, String namespace, AttemptListener listener) {
        Attempt attempt = new Attempt(job.id(), job.attempt(), namespace, listener, client, logs);
        attempts.put(job.id(), attempt);
        return attempt;
    }

    /** The namespace of a stored job's Jobs (its section may predate today's checks: then the default). */
    private String namespaceOf(Job job) {
        try {
            return KubernetesSection.of(job.spec()).namespaceOr(defaultNamespace);
        } catch (RuntimeException e) {
            return defaultNamespace;
        }
    }

    /** Looks at what the informers already hold of the attempt (they report only changes after this). */
    private void catchUp(Attempt attempt) {
        NamespaceWatch watch = watches.get(attempt.namespace());
        if (watch == null || !watch.jobs().hasSynced()) {
            return;
        }
        io.fabric8.kubernetes.api.model.batch.v1.Job cached = watch.jobs().getStore().getByKey(attempt.namespace() + "/"
                + attempt.name());
        if (cached != null) {
            jobChanged(cached);
        }
        for (Pod pod : watch.pods().getStore().list()) {
            podChanged(pod);
        }
    }

    // ---- watching --------------------------------------------------------------------------------

    /** Informers on gpuqueue's Jobs and pods in one namespace. */
    private record NamespaceWatch(SharedIndexInformer<io.fabric8.kubernetes.api.model.batch.v1.Job> jobs,
            SharedIndexInformer<Pod> pods) {}

    private void watch(String namespace) {
        watches.computeIfAbsent(namespace, ns -> {
            SharedIndexInformer<io.fabric8.kubernetes.api.model.batch.v1.Job> jobs = client.batch().v1().jobs()
                    .inNamespace(ns).withLabel(JobManifests.MANAGED_BY, JobManifests.MANAGER).runnableInformer(0);
            jobs.addEventHandler(new Handler<>(this::jobChanged, this::jobDeleted));
            SharedIndexInformer<Pod> pods = client.pods().inNamespace(ns)
                    .withLabel(JobManifests.MANAGED_BY, JobManifests.MANAGER).runnableInformer(0);
            pods.addEventHandler(new Handler<>(this::podChanged, pod -> {}));
            for (SharedIndexInformer<?> informer : List.of(jobs, pods)) {
                informer.exceptionHandler((started, failure) -> {
                    health.unreachable(failure);
                    return true; // keep retrying: a cluster that comes back is watched again
                });
                informer.start();
            }
            return new NamespaceWatch(jobs, pods);
        });
    }

    /** Calls {@code changed} on adds and updates, {@code deleted} on deletes. */
    private record Handler<T>(Consumer<T> changed, Consumer<T> deleted)
            implements ResourceEventHandler<T> {
        @Override
        public void onAdd(T object) {
            changed.accept(object);
        }

        @Override
        public void onUpdate(T before, T object) {
            changed.accept(object);
        }

        @Override
        public void onDelete(T object, boolean finalStateUnknown) {
            deleted.accept(object);
        }
    }

    private Optional<Attempt> attemptOf(Map<String, String> labels) {
        return JobManifests.owner(labels).flatMap(owner -> Optional.ofNullable(attempts.get(owner.jobId()))
                .filter(attempt -> attempt.number() == owner.attempt()));
    }

    private void jobChanged(io.fabric8.kubernetes.api.model.batch.v1.Job job) {
        health.answered();
        attemptOf(job.getMetadata().getLabels()).ifPresent(attempt -> {
            Optional<AttemptOutcome> outcome = outcome(job, attempt);
            if (outcome.isPresent()) {
                if (!attempt.stopping()) {
                    finish(attempt, outcome.get());
                }
            } else if (Boolean.TRUE.equals(job.getSpec().getSuspend())) {
                String queue = job.getMetadata().getLabels().get(JobManifests.KUEUE_QUEUE);
                attempt.note("the Kubernetes Job " + attempt.where() + " is suspended"
                        + (queue != null ? ": Kueue queue " + queue + " has not admitted it yet" : ""));
            }
        });
    }

    private void jobDeleted(io.fabric8.kubernetes.api.model.batch.v1.Job job) {
        attemptOf(job.getMetadata().getLabels()).ifPresent(attempt -> {
            if (attempt.stopping()) {
                attempt.gone().complete(null);
                attempts.remove(attempt.jobId(), attempt);
            } else if (attempt.claimEnd()) {
                background.execute(() -> {
                    attempt.stopCopying();
                    report(attempt, () -> attempt.listener().attemptLost(attempt.jobId(), attempt.number(),
                            "its Kubernetes Job " + attempt.where() + " was deleted outside gpuqueue"));
                });
            }
        });
    }

    private void podChanged(Pod pod) {
        attemptOf(pod.getMetadata().getLabels()).ifPresent(attempt -> {
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if ("Running".equals(phase) || "Succeeded".equals(phase) || "Failed".equals(phase)) {
                attempt.copyLogsOf(pod.getMetadata().getName());
            }
            attempt.sawExitCode(Pods.exitCode(pod));
            Pods.unschedulable(pod).ifPresent(why -> attempt.note("the cluster cannot place pod "
                    + pod.getMetadata().getName() + " yet: " + why));
        });
    }

    /** Complete → exit 0; Failed → failed with the reason and message Kubernetes gives; else empty. */
    private static Optional<AttemptOutcome> outcome(io.fabric8.kubernetes.api.model.batch.v1.Job job, Attempt attempt) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        for (JobCondition condition : job.getStatus().getConditions()) {
            if (!"True".equals(condition.getStatus())) {
                continue;
            }
            if ("Complete".equals(condition.getType())) {
                return Optional.of(AttemptOutcome.succeeded());
            }
            if ("Failed".equals(condition.getType())) {
                Integer code = attempt.exitCode();
                return Optional.of(AttemptOutcome.failed("Kubernetes Job failed: " + condition.getReason()
                        + (condition.getMessage() != null ? " (" + condition.getMessage() + ")" : "")
                        + (code != null ? "; container " + JobManifests.CONTAINER + " exited with code " + code : "")));
            }
        }
        return Optional.empty();
    }

    /** Copies the attempt's log to its end, then reports the outcome, off the informer's thread. */
    private void finish(Attempt attempt, AttemptOutcome outcome) {
        if (!attempt.claimEnd()) {
            return;
        }
        background.execute(() -> {
            attempt.finishCopying();
            report(attempt, () -> attempt.listener().attemptEnded(attempt.jobId(), attempt.number(), outcome));
        });
    }

    private void report(Attempt attempt, Runnable report) {
        try {
            report.run();
        } catch (StaleReportException stale) {
            LOG.log(Level.DEBUG, "Job {0}: {1}", attempt.jobId(), stale.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Job " + attempt.jobId() + " attempt " + attempt.number()
                    + ": its end could not be reported", e);
        } finally {
            attempts.remove(attempt.jobId(), attempt);
        }
    }

    // ---- stopping and probing --------------------------------------------------------------------

    /**
     * Deletes the attempt's Job with its pods (foreground propagation, {@code grace} for the pods);
     * completes once the Job is gone, or fails after {@code grace} + {@link #DELETE_WAIT}.
     */
    @Override
    public CompletableFuture<Void> stop(Job job, Duration grace) {
        Attempt attempt = attempts.compute(job.id(), (id, current) -> current != null && current.number() == job.attempt()
                ? current : new Attempt(job.id(), job.attempt(), namespaceOf(job), null, client, logs));
        attempt.markStopping();
        try {
            watch(attempt.namespace());
            var deleted = client.batch().v1().jobs().inNamespace(attempt.namespace()).withName(attempt.name())
                    .withPropagationPolicy(DeletionPropagation.FOREGROUND).withGracePeriod(grace.toSeconds()).delete();
            health.answered();
            if (deleted.isEmpty()) {
                attempt.gone().complete(null);
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                attempt.gone().complete(null);
            } else {
                if (e.getCode() == 0) {
                    health.unreachable(e);
                }
                attempts.remove(job.id(), attempt);
                return CompletableFuture.failedFuture(new StopIncompleteException("the Kubernetes Job "
                        + attempt.where() + " could not be deleted: " + (e.getCode() == 0 ? health.describe(e)
                                : e.getMessage())));
            }
        }
        attempt.stopCopying();
        return attempt.gone().orTimeout(grace.plus(DELETE_WAIT).toMillis(), TimeUnit.MILLISECONDS)
                .exceptionallyCompose(failure -> isGone(attempt) ? CompletableFuture.completedFuture(null)
                        : CompletableFuture.failedFuture(new StopIncompleteException("the Kubernetes Job "
                                + attempt.where() + " is still being deleted")))
                .whenComplete((done, failure) -> attempts.remove(job.id(), attempt));
    }

    /**
     * Where the attempt's Job stands: Complete or Failed → ended (its log copied first), missing →
     * gone, else running; running too when the API server cannot be reached (it reports later).
     */
    @Override
    public AttemptState probe(Job job) {
        Attempt attempt = new Attempt(job.id(), job.attempt(), namespaceOf(job), null, client, logs);
        io.fabric8.kubernetes.api.model.batch.v1.Job found;
        try {
            found = get(attempt);
            health.answered();
        } catch (KubernetesClientException e) {
            LOG.log(Level.WARNING, "Job {0}: cannot read its Kubernetes Job {1} now ({2}); it is taken as running",
                    job.id(), attempt.where(), e.getMessage());
            return AttemptState.RUNNING;
        }
        if (found == null) {
            return AttemptState.GONE;
        }
        Optional<Pod> pod = podsOf(attempt).stream().findFirst();
        pod.ifPresent(p -> attempt.sawExitCode(Pods.exitCode(p)));
        Optional<AttemptOutcome> outcome = outcome(found, attempt);
        if (outcome.isEmpty()) {
            return AttemptState.RUNNING;
        }
        pod.ifPresent(p -> {
            attempt.copyLogsOf(p.getMetadata().getName());
            attempt.finishCopying();
        });
        return AttemptState.ended(outcome.get());
    }

    private List<Pod> podsOf(Attempt attempt) {
        try {
            return client.pods().inNamespace(attempt.namespace()).withLabel(JobManifests.JOB_ID, attempt.jobId().value())
                    .withLabel(JobManifests.ATTEMPT, Integer.toString(attempt.number())).list().getItems();
        } catch (KubernetesClientException e) {
            return List.of();
        }
    }

    /** The attempt's Job, or null when there is none. */
    private io.fabric8.kubernetes.api.model.batch.v1.Job get(Attempt attempt) {
        return client.batch().v1().jobs().inNamespace(attempt.namespace()).withName(attempt.name()).get();
    }

    private boolean isGone(Attempt attempt) {
        try {
            return get(attempt) == null;
        } catch (KubernetesClientException e) {
            return false;
        }
    }

    /** Stops watching and closes the client; running Jobs keep running (a restart re-attaches them). */
    @Override
    public void close() {
        watches.values().forEach(watch -> {
            watch.jobs().close();
            watch.pods().close();
        });
        watches.clear();
        attempts.values().forEach(Attempt::stopCopying);
        background.shutdownNow();
        client.close();
    }
}
