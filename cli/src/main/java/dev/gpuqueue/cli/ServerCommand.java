package dev.gpuqueue.cli;

import dev.gpuqueue.cli.server.GpuqueueServer;
import dev.gpuqueue.cli.server.ServerConfig;
import dev.gpuqueue.kubernetes.KubernetesOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code gpuqueue server}: runs the queue, its scheduler and the HTTP API until SIGTERM. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run the gpuqueue server (HTTP API, scheduler, local job runner) until stopped.")
final class ServerCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    JobHostOptions jobs;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8000", description = "Port to listen on, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--home", description = "State directory: jobs.db, configs/, logs/ (default: $GPUQUEUE_HOME, else ~/.gpuqueue).")
    Path home;

    @Option(names = "--configs-dir", description = "Where job configs <name>.json live (default: <home>/configs).")
    Path configsDir;


    @Option(names = "--scheduler-interval", paramLabel = "SECONDS", defaultValue = "5",
            description = "Seconds between background scheduling passes (default: ${DEFAULT-VALUE}).")
    double schedulerInterval;

    @Option(names = "--allowed-hosts", split = ",", paramLabel = "NAME",
            description = "Further host names the server answers to besides loopback names and its bind address"
                    + " (comma-separated; '*' turns the Host check off, e.g. behind a proxy that rewrites it).")
    List<String> allowedHosts = new ArrayList<>();

    @Option(names = "--cors-origin", paramLabel = "ORIGIN",
            description = "A web origin (scheme://host[:port]) allowed to call the API from a browser; repeatable."
                    + " None by default.")
    List<String> corsOrigins = new ArrayList<>();

    @Option(names = "--new-database",
            description = "Start a new, empty database even though this state directory held one that is now missing.")
    boolean newDatabase;




    @Option(names = "--worker-timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "Seconds without a heartbeat after which a remote worker is offline and its job requeued"
                    + " (default: ${DEFAULT-VALUE}).")
    double workerTimeout;

    @Option(names = "--metrics-public",
            description = "Serve /metrics without credentials even when users exist (default: admins only then).")
    boolean metricsPublic;

    @Option(names = "--kubernetes",
            description = "Also run jobs whose config says \"runner\": \"kubernetes\" on a Kubernetes cluster, reached through"
                    + " the usual kubeconfig ($KUBECONFIG, else ~/.kube/config) or, inside a pod, its service account"
                    + " (see docs/kubernetes.md).")
    boolean kubernetes;

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "With --kubernetes: this kubeconfig file instead of the usual one.")
    Path kubeconfig;

    @Option(names = "--kube-context", paramLabel = "NAME", description = "With --kubernetes: this kubeconfig context instead of the current one.")
    String kubeContext;

    @Option(names = "--kube-namespace", paramLabel = "NAMESPACE",
            description = "With --kubernetes: the namespace of jobs whose config names none (default: the context's"
                    + " namespace, else 'default').")
    String kubeNamespace;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65_535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port must be between 0 and 65535");
        }
        if (!(schedulerInterval >= 0.01) || schedulerInterval > 86_400) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--scheduler-interval must be between 0.01 and 86400 seconds");
        }
        if (!(workerTimeout >= 0.1) || workerTimeout > 86_400) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--worker-timeout must be between 0.1 and 86400 seconds");
        }
        if (!kubernetes && (kubeconfig != null || kubeContext != null || kubeNamespace != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--kubeconfig, --kube-context and --kube-namespace only apply with --kubernetes; add it");
        }
        Path resolvedHome = Homes.resolve(home);
        ServerConfig config = new ServerConfig(host, port, resolvedHome,
                configsDir != null ? configsDir.toAbsolutePath() : resolvedHome.resolve("configs"), jobs.simulateGpus,
                Duration.ofMillis(Math.round(schedulerInterval * 1000)), allowedHosts, corsOrigins, newDatabase,
                jobs.jobsDir(), jobs.passEnv, jobs.jobUser,
                Duration.ofMillis(Math.round(workerTimeout * 1000)), metricsPublic,
                kubernetes ? new KubernetesOptions(kubeconfig, kubeContext, kubeNamespace) : null);
        PrintWriter out = spec.commandLine().getOut();
        GpuqueueServer server = GpuqueueServer.start(config, out);
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "gpuqueue-shutdown"));
        server.awaitStop();
        return 0;
    }
}
