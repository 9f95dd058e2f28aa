package dev.gpuqueue.http;

import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.GpuQueue;
import dev.gpuqueue.core.error.PermissionDeniedException;
import dev.gpuqueue.core.error.SubscriptionLaggedException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.WorkerStatus;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.service.Subscription;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter.MeterProvider;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics} (SPEC §13): the queue's meters in Prometheus' text format, from a Micrometer
 * {@link PrometheusMeterRegistry}. The job meters follow the queue's events, never a scan per
 * scrape: {@link #start()} reads the counts once (jobs per status, the running jobs with their user,
 * team and GPUs) with the id of the last event, then a daemon thread subscribes to the
 * {@link GpuQueue#events() events} after that id and applies each one. A lagged subscription, a
 * cleanup seen on {@code POST /api/queue/cleanup} (it deletes jobs without events) or
 * {@link #requestResync()} re-reads the counts once; events between the old position and the new
 * snapshot still reach the counters, so they never skip. The scheduling pass duration comes from
 * {@code Scheduler.addPassListener}; the workers per status are read from the worker hub at scrape
 * time; HTTP requests are timed by an {@code AFTER} handler, labelled with the route's path template.
 * See {@code docs/metrics.md}. Thread-safe.
 */
public final class QueueMetrics implements AutoCloseable {
    /** The Prometheus text exposition format, version 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** The {@code route} label of requests that matched no route (404s, requests refused before routing). */
    static final String UNMATCHED = "unmatched";
    static final String CLEANUP_ROUTE = "/api/queue/cleanup";
    private static final Logger LOG = LoggerFactory.getLogger(QueueMetrics.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final GpuQueue queue;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MetricsJobCounts jobs;
    private final Timer passes;
    private final MeterProvider<Timer> requests;
    private final MeterProvider<Counter> resyncs;
    private final Map<WorkerStatus, AtomicLong> workers = new EnumMap<>(WorkerStatus.class);
    private final AtomicLong lastEventId = new AtomicLong();
    /** Why the subscriber should re-read the counts before its next batch, or null. */
    private final AtomicReference<String> resyncReason = new AtomicReference<>();
    private final Object lifecycle = new Object();
    private Thread thread;
    private volatile boolean running;
    private volatile boolean started;
    /** Owned by the subscriber thread once started (close() only closes it). */
    private volatile Subscription subscription;
    /** Events up to this id are in the last snapshot: they reach the counters, not the gauges. */
    private long snapshotId;

    private QueueMetrics(GpuQueue queue, GpuInventory gpus) {
        this.queue = queue;
        this.jobs = new MetricsJobCounts(registry, id -> queue.store().read(r -> r.find(id)));
        Gauge.builder("gpuqueue.gpus.capacity", gpus, g -> g.indices().size())
                .description("Local GPUs the scheduler may allocate (all of them, held or free)").strongReference(true).register(registry);
        for (WorkerStatus status : WorkerStatus.values()) {
            AtomicLong count = new AtomicLong();
            workers.put(status, count);
            Gauge.builder("gpuqueue.workers", count, AtomicLong::doubleValue).description("Remote workers per status")
                    .tag("status", status.wireName()).strongReference(true).register(registry);
        }
        passes = Timer.builder("gpuqueue.scheduler.pass.duration")
                .description("How long a scheduling pass took (its transaction and the starts that followed)")
                .serviceLevelObjectives(millis(1), millis(2), millis(5), millis(10), millis(25), millis(50), millis(100),
                        millis(250), millis(500), millis(1000), millis(2500), millis(5000), millis(10_000))
                .register(registry);
        requests = Timer.builder("gpuqueue.http.requests")
                .description("HTTP requests by method, route template and status")
                .serviceLevelObjectives(millis(5), millis(25), millis(100), millis(500), millis(1000), millis(5000))
                .withRegistry(registry);
        resyncs = Counter.builder("gpuqueue.metrics.resyncs")
                .description("Times the job gauges were re-read from the store, by reason: start, lagged, cleanup, requested, error")
                .withRegistry(registry);
        Gauge.builder("gpuqueue.metrics.last.event.id", lastEventId, AtomicLong::doubleValue)
                .description("The id of the last queue event the metrics applied").strongReference(true).register(registry);
    }

    /** Metrics for {@code queue} and its local GPUs {@code gpus}; nothing is read or started until {@link #start()}. */
    public static QueueMetrics create(GpuQueue queue, GpuInventory gpus) {
        return new QueueMetrics(Objects.requireNonNull(queue, "queue"), Objects.requireNonNull(gpus, "gpus"));
    }

    /**
     * Reads the counts once, registers the pass listener and starts the daemon thread that applies
     * the events after them. Idempotent.
     *
     * @throws RuntimeException when the store cannot be read (nothing is started then)
     */
    public void start() {
        synchronized (lifecycle) {
            if (started) {
                return;
            }
            Snapshot snapshot = snapshot();
            applySnapshot(snapshot, "start");
            lastEventId.set(snapshot.lastEventId());
            subscription = queue.events().subscribe(snapshot.lastEventId(), e -> true);
            queue.scheduler().addPassListener((took, result) -> passes.record(took));
            running = true;
            started = true;
            thread = new Thread(this::run, "gpuqueue-metrics");
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** Stops the subscriber thread (the pass listener stays registered, and harmless). Idempotent. */
    @Override
    public void close() {
        Thread stopping;
        synchronized (lifecycle) {
            running = false;
            Subscription current = subscription;
            if (current != null) {
                current.close();
            }
            stopping = thread;
            thread = null;
        }
        if (stopping == null || stopping == Thread.currentThread()) {
            return;
        }
        try {
            stopping.join(STOP_WAIT.toMillis());
            if (stopping.isAlive()) {
                stopping.interrupt();
                stopping.join(STOP_WAIT.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@code GET /metrics} and an {@code AFTER} handler on every path that times each request by
     * method, route template and status. {@code /metrics} needs an admin (in single-user mode on a
     * loopback address every caller is the admin {@code local}) unless {@code metricsPublic}.
     */
    public List<HttpApi.Route> routes(ApiDependencies deps, boolean metricsPublic) {
        Objects.requireNonNull(deps, "deps");
        return List.of(
                new HttpApi.Route(HandlerType.GET, "/metrics", ctx -> {
                    if (!metricsPublic) {
                        requireAdmin(deps.callers().resolve(ctx));
                    }
                    ctx.contentType(CONTENT_TYPE).result(scrape());
                }),
                new HttpApi.Route(HandlerType.AFTER, "*", this::timeRequest));
    }

    /** Every meter now, in the Prometheus text format ({@link #CONTENT_TYPE}); reads the workers' statuses first. */
    public String scrape() {
        try {
            queue.workers().counts().forEach((status, count) -> workers.get(status).set(count));
        } catch (RuntimeException e) {
            LOG.debug("Worker counts unavailable for this scrape, keeping the last ones: {}", e.toString());
        }
        return registry.scrape(CONTENT_TYPE);
    }

    /** The registry, for other meters (JVM, process) the composition root may bind. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Asks the subscriber to re-read the job counts before its next batch: after something that
     * changed jobs without events (a cleanup run outside the HTTP API).
     */
    public void requestResync() {
        resyncReason.compareAndSet(null, "requested");
    }

    /** The id of the last event applied (the snapshot's at start); tests wait on it. */
    public long lastEventId() {
        return lastEventId.get();
    }

    // ---- the subscriber ----------------------------------------------------------------------

    private record Snapshot(Map<JobStatus, Long> counts, List<Job> running, long lastEventId) {}

    /** Counts, running jobs and the last event id from one consistent read. */
    private Snapshot snapshot() {
        return queue.store().read(r -> new Snapshot(r.countByStatus(), r.withStatus(RUNNING), r.lastEventId()));
    }

    private void applySnapshot(Snapshot snapshot, String reason) {
        jobs.reset(snapshot.counts(), snapshot.running());
        snapshotId = snapshot.lastEventId();
        resyncs.withTags("reason", reason).increment();
    }

    private void run() {
        while (running) {
            try {
                // Taken before the snapshot is read: a cleanup committed meanwhile asks again.
                String reason = resyncReason.getAndSet(null);
                if (reason != null) {
                    resync(reason);
                }
                for (QueueEvent event : subscription.next(POLL)) {
                    jobs.apply(event, event.id() > snapshotId);
                    lastEventId.set(event.id());
                }
            } catch (SubscriptionLaggedException e) {
                LOG.warn("Metrics fell behind the queue's events ({}); re-reading the job counts", e.getMessage());
                resyncReason.compareAndSet(null, "lagged");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn("Metrics could not apply the queue's events; re-reading the job counts in {} s",
                        RETRY.toSeconds(), e);
                resyncReason.compareAndSet(null, "error");
                try {
                    Thread.sleep(RETRY.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Re-reads the counts, then subscribes again from the last applied event: events up to the
     * snapshot's id still reach the counters (not the gauges, which the snapshot already holds).
     */
    private void resync(String reason) {
        Snapshot snapshot = snapshot();
        Subscription next = queue.events().subscribe(lastEventId.get(), e -> true);
        synchronized (lifecycle) {
            Subscription old = subscription;
            if (!running) {
                next.close();
                return;
            }
            subscription = next;
            old.close();
        }
        applySnapshot(snapshot, reason);
        LOG.debug("Metrics re-read the job counts ({}) at event {}", reason, snapshot.lastEventId());
    }

    // ---- HTTP --------------------------------------------------------------------------------

    private static void requireAdmin(Caller caller) {
        if (caller.level() != Level.ADMIN) {
            throw new PermissionDeniedException("GET /metrics is for admins (or start the server with --metrics-public)");
        }
    }

    private void timeRequest(Context ctx) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        String route = endpoint == null ? UNMATCHED : endpoint.path;
        int status = ctx.statusCode();
        String method = ctx.method().name();
        long took = Math.max(0, System.nanoTime() - began(ctx));
        requests.withTags("method", method, "route", route, "status", Integer.toString(status))
                .record(took, TimeUnit.NANOSECONDS);
        if (status / 100 == 2 && "POST".equals(method) && CLEANUP_ROUTE.equals(route)) {
            resyncReason.compareAndSet(null, "cleanup");
        }
    }

    /** When Jetty began reading the request (so requests refused by the guard are timed too); now if unknown. */
    private static long began(Context ctx) {
        try {
            ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
            if (request != null) {
                return request.getBeginNanoTime();
            }
        } catch (RuntimeException | LinkageError unknown) {
            // Not Jetty's servlet request (a test double): no duration.
        }
        return System.nanoTime();
    }

    private static Duration millis(long millis) {
        return Duration.ofMillis(millis);
    }
}
