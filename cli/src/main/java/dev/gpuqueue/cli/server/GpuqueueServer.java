package dev.gpuqueue.cli.server;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import dev.gpuqueue.cli.runner.CudaDevices;
import dev.gpuqueue.cli.runner.JobUser;
import dev.gpuqueue.cli.runner.LaunchOptions;
import dev.gpuqueue.cli.runner.PrivateDirectories;
import dev.gpuqueue.cli.runner.ProcessJobRunner;
import dev.gpuqueue.core.GpuQueue;
import dev.gpuqueue.core.Lifecycle;
import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.error.StoreException;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.port.HostStatus;
import dev.gpuqueue.core.port.JobConfigs;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.WorkerRegistry;
import dev.gpuqueue.core.service.Reconciler;
import dev.gpuqueue.core.service.Scheduler;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.core.worker.WorkerHub;
import dev.gpuqueue.gpu.GpuInventories;
import dev.gpuqueue.gpu.GpuModule;
import dev.gpuqueue.http.ApiDependencies;
import dev.gpuqueue.http.DocsRoutes;
import dev.gpuqueue.http.HttpApi;
import dev.gpuqueue.http.HttpOptions;
import dev.gpuqueue.http.PanelRoutes;
import dev.gpuqueue.http.QueueMetrics;
import dev.gpuqueue.http.TokenAuth;
import dev.gpuqueue.kubernetes.KubernetesRunner;
import dev.gpuqueue.sqlite.SqliteDatabase;
import dev.gpuqueue.sqlite.SqliteModule;
import dev.gpuqueue.sqlite.SqliteOptions;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * The running server. Its parts start in order through one {@link Lifecycle} (GPUs, database, job
 * runner, recovery, worker hub, scheduler loop, metrics, HTTP: the API, the event stream, /metrics,
 * the API docs and the queue panel) and stop in reverse (HTTP finishes requests in flight,
 * the loop stops, the database closes, NVML shuts down). The Guice injector only binds the adapters;
 * the core is assembled by {@code GpuQueue.builder()}, as embedders do. Running jobs are never
 * stopped by the server's own shutdown. Thread-safe.
 */
public final class GpuqueueServer {
    private static final System.Logger LOG = System.getLogger(GpuqueueServer.class.getName());

    private final Lifecycle lifecycle = new Lifecycle();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Javalin app;
    private boolean stopping;

    private GpuqueueServer() {}

    /** The injector for a configuration on an open database, without starting anything (the graph test uses it). */
    static Injector injector(ServerConfig config, GpuInventories.Selection gpus, SqliteDatabase db) {
        return Guice.createInjector(new SqliteModule(db), new GpuModule(gpus.inventory()),
                new ServerModule(config, launchOptions(config, gpus.inventory())));
    }

    /** Starts everything and prints the startup summary on {@code out}. */
    public static GpuqueueServer start(ServerConfig config, PrintWriter out) {
        HttpOptions http = new HttpOptions(config.host(), config.allowedHosts(), config.corsOrigins());
        createDirectories(config);
        GpuqueueServer server = new GpuqueueServer();
        try {
            server.startParts(config, http, out);
        } catch (RuntimeException e) {
            server.stop();
            throw unwrapped(e);
        }
        return server;
    }

    /** A failure of ours that Guice wrapped while providing a part, as itself (one clear line for the user). */
    private static RuntimeException unwrapped(RuntimeException e) {
        return e instanceof ProvisionException || e instanceof CreationException
                ? Stream.iterate((Throwable) e, Objects::nonNull, Throwable::getCause)
                        .filter(QueueException.class::isInstance).map(RuntimeException.class::cast).findFirst().orElse(e)
                : e;
    }

    /** How jobs run: looks up the job user (refused unless the server is root), names GPUs for CUDA. */
    private static LaunchOptions launchOptions(ServerConfig config, GpuInventory gpus) {
        JobUser jobUser = config.jobUser() == null ? null : JobUser.lookup(config.jobUser());
        if (jobUser == null && JobUser.serverUid() == 0) {
            LOG.log(Level.WARNING, "The server runs as root and so would every job: a job could change the database"
                    + " and other jobs' files. Start it with --job-user USER (see docs/deploy.md)");
        }
        Path jobsDir = config.jobsDir() != null ? config.jobsDir() : LaunchOptions.defaultJobsDir();
        return new LaunchOptions(jobsDir, config.passEnv(), jobUser, CudaDevices.names(gpus));
    }

    private void startParts(ServerConfig config, HttpOptions http, PrintWriter out) {
        GpuInventories.Selection gpus = lifecycle.start("GPUs", () -> GpuInventories.select(config.simulateGpus()),
                GpuInventories.Selection::close);
        SqliteDatabase db = lifecycle.start("database",
                () -> SqliteDatabase.open(SqliteOptions.inHome(config.home()).withNewDatabase(config.newDatabase())),
                SqliteDatabase::close);
        Injector injector = injector(config, gpus, db);
        ProcessJobRunner runner = lifecycle.start("job runner", () -> injector.getInstance(ProcessJobRunner.class).prepare(),
                ProcessJobRunner::close);
        KubernetesRunner cluster = config.kubernetes() == null ? null : lifecycle.start("kubernetes runner",
                () -> config.kubernetes().connect(injector.getInstance(JobLogs.class)), KubernetesRunner::close);
        Clock clock = injector.getInstance(Clock.class);
        GpuQueue.Builder builder = GpuQueue.builder()
                .store(injector.getInstance(JobStore.class))
                .gpus(gpus.inventory())
                .runner(runner)
                .configs(injector.getInstance(JobConfigs.class))
                .logs(injector.getInstance(JobLogs.class))
                .clock(clock)
                .schedulerInterval(config.schedulerInterval())
                .workers(injector.getInstance(WorkerRegistry.class))
                .workerTimeout(config.workerTimeout());
        if (cluster != null) {
            builder.runner(cluster);
        }
        GpuQueue queue = builder.build();
        Reconciler.Report recovery = queue.startIn(lifecycle);
        UserAdmin users = injector.getInstance(UserAdmin.class);
        ApiDependencies deps = new ApiDependencies(queue.service(), queue.scheduler(), queue.workers(), gpus.inventory(),
                injector.getInstance(HostStatus.class), injector.getInstance(JobLogs.class), users,
                new TokenAuth(users, HttpApi.isLoopback(config.host())), clock);
        QueueMetrics metrics = lifecycle.start("metrics", () -> {
            QueueMetrics started = QueueMetrics.create(queue, gpus.inventory());
            started.start();
            return started;
        }, QueueMetrics::close);
        List<HttpApi.Route> extra = new ArrayList<>(metrics.routes(deps, config.metricsPublic()));
        extra.addAll(DocsRoutes.routes());
        extra.addAll(PanelRoutes.routes());
        app = lifecycle.start("HTTP server",
                () -> HttpApi.start(HttpApi.create(deps, http, extra), config.host(), config.port(), users), Javalin::stop);
        printSummary(config, db, gpus, users, queue.workers(), cluster, recovery, out);
    }

    /** The names of the parts running, in start order. */
    List<String> parts() {
        return lifecycle.parts();
    }

    private void printSummary(ServerConfig config, SqliteDatabase db, GpuInventories.Selection gpus, UserAdmin users,
            WorkerHub workers, KubernetesRunner cluster, Reconciler.Report recovery, PrintWriter console) {
        StringWriter summary = new StringWriter();
        PrintWriter out = new PrintWriter(summary);
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        GpuInventory inventory = gpus.inventory();
        out.printf("gpuqueue server listening on http://%s:%d%n", host, app.port());
        out.printf("  panel:      http://%s:%d/   (API docs /api/docs, metrics /metrics%s)%n", host, app.port(),
                config.metricsPublic() || users.singleUserMode() ? "" : ", admin token needed");
        out.printf("  home:       %s%n", config.home());
        out.printf("  database:   %s (schema v%d, synchronous %s)%n", db.file(), db.schemaVersion(),
                db.options().synchronous());
        out.printf("  GPUs:       %d, backend %s%s%n", inventory.indices().size(), inventory.backend(),
                gpus.reason() == null ? "" : " (" + gpus.reason() + ")");
        out.printf("  configs:    %s%n", config.configsDir());
        out.printf("  logs:       %s%n", config.logsDir());
        out.printf("  jobs run:   %s%n", config.jobUser() == null ? "as the server's user" : "as user " + config.jobUser());
        out.printf("  auth:       %s%n", users.singleUserMode()
                ? "single-user mode (no users yet; every request acts as admin 'local'; loopback only)"
                : "users mode (bearer tokens)");
        out.printf("  scheduler:  every %ss%n", Scheduler.formatSeconds(config.schedulerInterval()));
        out.printf("  workers:    %d registered, offline after %ss without a heartbeat%n", workers.views().size(),
                Scheduler.formatSeconds(config.workerTimeout()));
        if (cluster != null) {
            out.printf("  kubernetes: %s, namespace %s%s%n", cluster.apiServer(), cluster.defaultNamespace(),
                    cluster.problemNow().map(problem -> " (" + problem + "; its jobs wait)").orElse(""));
        }
        out.printf("  recovered:  %d finished while down, %d adopted, %d requeued, %d failed as lost%n",
                recovery.finished().size(), recovery.adopted().size(), recovery.requeued().size(), recovery.failed().size());
        console.print(summary); // one write, so whoever watches the output never sees half of it
        console.flush();
    }

    /** The port the HTTP server listens on. */
    public int port() {
        return app.port();
    }

    /** Stops in reverse order of start; running jobs keep running. Idempotent. */
    public void stop() {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
        }
        try {
            lifecycle.close();
            LOG.log(Level.INFO, "gpuqueue server stopped; running jobs were left running");
        } finally {
            stopped.countDown();
        }
    }

    /** Blocks until {@link #stop()} has finished. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** The state directory and its logs are the server's alone (0700); configs may be shared by their owner. */
    private static void createDirectories(ServerConfig config) {
        try {
            PrivateDirectories.ensure(config.home());
            PrivateDirectories.ensure(config.logsDir());
            Files.createDirectories(config.configsDir());
        } catch (IOException e) {
            throw new StoreException("cannot create the state directory " + config.home() + ": " + e.getMessage(), e);
        }
    }
}
