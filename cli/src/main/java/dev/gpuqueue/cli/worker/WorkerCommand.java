package dev.gpuqueue.cli.worker;

import dev.gpuqueue.cli.JobHostOptions;
import dev.gpuqueue.cli.runner.CudaDevices;
import dev.gpuqueue.cli.runner.JobUser;
import dev.gpuqueue.cli.runner.LaunchOptions;
import dev.gpuqueue.cli.runner.PrivateDirectories;
import dev.gpuqueue.cli.runner.ProcessJobRunner;
import dev.gpuqueue.core.error.StoreException;
import dev.gpuqueue.core.model.Worker;
import dev.gpuqueue.core.service.Scheduler;
import dev.gpuqueue.gpu.GpuInventories;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code gpuqueue worker}: runs this machine's GPUs for an orchestrator (a {@code gpuqueue server}
 * elsewhere) until stopped. Its jobs run as the server's do (wrapper, exit files, own GPU
 * allocation); they keep running when the worker stops, and the next start reports them.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run jobs on this machine's GPUs for an orchestrator (a gpuqueue server), until stopped.")
public final class WorkerCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    JobHostOptions jobs;

    @Option(names = "--orchestrator", required = true, paramLabel = "URL",
            description = "The gpuqueue server to work for, e.g. http://10.0.0.5:8000.")
    String orchestrator;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:GPUQUEUE_WORKER_TOKEN}",
            description = "This worker's token from 'gpuqueue workers add' (default: $GPUQUEUE_WORKER_TOKEN).")
    String token;

    @Option(names = "--labels", split = ",", paramLabel = "KEY=VALUE",
            description = "Labels jobs can ask for with worker_labels, e.g. gpu_type=a100,location=us-east.")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--home", paramLabel = "DIR",
            description = "The worker's state directory: logs, attempt files (default: $GPUQUEUE_WORKER_HOME, else ~/.gpuqueue-worker).")
    Path home;


    @Option(names = "--heartbeat-interval", paramLabel = "SECONDS", defaultValue = "30",
            description = "Seconds between heartbeats (default: ${DEFAULT-VALUE}); keep it well below the orchestrator's --worker-timeout.")
    double heartbeatInterval;

    @Option(names = "--stop-grace", paramLabel = "SECONDS", defaultValue = "10",
            description = "Seconds a stopped job gets between SIGTERM and SIGKILL (default: ${DEFAULT-VALUE}).")
    double stopGrace;




    @Override
    public Integer call() throws Exception {
        URI base = orchestratorUri();
        if (token == null || token.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--token is required (or $GPUQUEUE_WORKER_TOKEN): the token 'gpuqueue workers add' printed");
        }
        if (!(heartbeatInterval >= 0.1) || heartbeatInterval > 3600) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--heartbeat-interval must be between 0.1 and 3600 seconds");
        }
        if (!(stopGrace >= 0) || stopGrace > 3600) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--stop-grace must be between 0 and 3600 seconds");
        }
        try {
            Worker.checkLabels(labels);
        } catch (dev.gpuqueue.core.error.ValidationException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--labels: " + e.getMessage());
        }
        Path state = home != null ? home.toAbsolutePath().normalize() : defaultHome();
        try {
            PrivateDirectories.ensure(state);
        } catch (IOException e) {
            throw new StoreException("cannot create the worker's state directory " + state + ": " + e.getMessage(), e);
        }
        try (GpuInventories.Selection gpus = GpuInventories.select(jobs.simulateGpus)) {
            LaunchOptions launch = new LaunchOptions(jobs.jobsDir() != null ? jobs.jobsDir() : LaunchOptions.defaultJobsDir(),
                    jobs.passEnv, jobs.jobUser == null ? null : JobUser.lookup(jobs.jobUser), CudaDevices.names(gpus.inventory()));
            ProcessJobRunner runner = ProcessJobRunner.create(state, state.resolve("logs"), launch).prepare();
            WorkerAgent agent = new WorkerAgent(new OrchestratorClient(base, token.strip()), runner, gpus.inventory(), labels,
                    state, seconds(heartbeatInterval), seconds(stopGrace), Clock.systemUTC());
            spec.commandLine().getOut().printf("gpuqueue worker for %s%n  home:       %s%n  GPUs:       %d, backend %s%s%n"
                    + "  labels:     %s%n  heartbeat:  every %ss%n", base, state, gpus.inventory().indices().size(),
                    gpus.inventory().backend(), gpus.reason() == null ? "" : " (" + gpus.reason() + ")",
                    labels.isEmpty() ? "none" : labels, Scheduler.formatSeconds(seconds(heartbeatInterval)));
            spec.commandLine().getOut().flush();
            Thread hook = new Thread(agent::stop, "gpuqueue-worker-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                return agent.run();
            } finally {
                runner.close();
            }
        }
    }

    private URI orchestratorUri() {
        try {
            URI uri = new URI(orchestrator.strip().replaceAll("/+$", ""));
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new URISyntaxException(orchestrator, "not an http(s) URL with a host");
            }
            return URI.create(uri + "/");
        } catch (URISyntaxException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--orchestrator must be a URL like"
                    + " http://10.0.0.5:8000 (got '" + orchestrator + "')");
        }
    }

    private static Path defaultHome() {
        String env = System.getenv("GPUQUEUE_WORKER_HOME");
        return env != null && !env.isBlank() ? Path.of(env).toAbsolutePath().normalize()
                : Path.of(System.getProperty("user.home"), ".gpuqueue-worker");
    }

    private static Duration seconds(double value) {
        return Duration.ofMillis(Math.round(value * 1000));
    }
}
