package dev.gpuqueue.bench;

import dev.gpuqueue.sqlite.SqliteDatabase;
import dev.gpuqueue.sqlite.SqliteJobStore;
import dev.gpuqueue.sqlite.SqliteOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * W4 (HTTP), W5 (CLI) and memory, against the real server run as its own process
 * ({@code ./gpuqueue server}, a fresh home, {@code synchronous=FULL}, 4 simulated GPUs), with
 * the raw FULL commit rate measured in the same run. Run from the repository root:
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.gpuqueue.bench.ServerLoad [seconds per figure] [warm-up seconds]</pre>
 */
public final class ServerLoad {
    private static final int CLIENTS = 16;
    private static final int PENDING = 100_000;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Duration measure;
    private final Duration warmUp;

    private ServerLoad(Duration measure, Duration warmUp) {
        this.measure = measure;
        this.warmUp = warmUp;
    }

    public static void main(String[] args) throws Exception {
        Duration measure = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 10);
        Duration warmUp = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 30);
        new ServerLoad(measure, warmUp).run();
    }

    private void run() throws Exception {
        double raw = rawFullCommitsPerSecond();
        Path home = Workloads.freshDir("server");
        Files.createDirectories(home.resolve("configs"));
        Files.writeString(home.resolve("configs/bench.json"), "{\"command\": [\"sleep\", \"600\"]}");
        try {
            Server server = Server.start(home);
            Thread.sleep(2_000);
            long idleRss = server.rssKb();
            double submits = rate(server.url("/api/queue/submit"), "{\"config_name\": \"bench\"}", measure);
            server.cancelRunning();
            server.stop();

            try (SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home))) {
                Workloads.bulkLoad(new SqliteJobStore(db), PENDING, null);
            }
            server = Server.start(home);
            long deadline = System.nanoTime() + warmUp.toNanos();
            while (System.nanoTime() < deadline) {
                rate(server.url("/api/queue/stats"), null, Duration.ofSeconds(2));
                rate(server.url("/api/queue?limit=50"), null, Duration.ofSeconds(2));
                rate(server.url("/api/health"), null, Duration.ofSeconds(1));
            }
            double health = rate(server.url("/api/health"), null, measure);
            double stats = rate(server.url("/api/queue/stats"), null, measure);
            double firstPage = rate(server.url("/api/queue?limit=50"), null, measure);
            long busyRss = server.rssKb();
            double cli = cliSeconds(server.url(""));
            server.cancelRunning();
            server.stop();

            System.out.printf(Locale.ROOT, "%n== gpuqueue server (synchronous=FULL, %d clients, %d s per figure) ==%n",
                    CLIENTS, measure.toSeconds());
            System.out.printf(Locale.ROOT, "raw single-row FULL commits     %8.0f /s%n", raw);
            System.out.printf(Locale.ROOT, "W4 POST /api/queue/submit       %8.0f /s   %.2f x raw FULL%n", submits, submits / raw);
            System.out.printf(Locale.ROOT, "W4 GET /api/health (%dk pending) %7.0f /s%n", PENDING / 1000, health);
            System.out.printf(Locale.ROOT, "W4 GET /api/queue/stats         %8.0f /s   %.2f x health%n", stats, stats / health);
            System.out.printf(Locale.ROOT, "W4 GET /api/queue?limit=50      %8.0f /s   %.2f x health%n", firstPage, firstPage / health);
            System.out.printf(Locale.ROOT, "W5 ./gpuqueue jobs list         %8.2f s (median of 5)%n", cli);
            System.out.printf(Locale.ROOT, "memory: RSS idle %d MB, with %dk pending %d MB%n", idleRss / 1024,
                    PENDING / 1000, busyRss / 1024);
        } finally {
            Workloads.delete(home);
        }
    }

    private static double rawFullCommitsPerSecond() throws Exception {
        try (Workloads.RawTable raw = new Workloads.RawTable("FULL")) {
            long start = System.nanoTime();
            int n = 0;
            while (System.nanoTime() - start < Duration.ofSeconds(5).toNanos()) {
                raw.commitOne();
                n++;
            }
            return n / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** Requests per second with {@link #CLIENTS} clients in a loop for {@code duration} (only 2xx answers count). */
    private double rate(URI uri, String body, Duration duration) throws Exception {
        AtomicLong answered = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        long start = System.nanoTime();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                running.add(clients.submit(() -> {
                    HttpRequest request = body == null ? HttpRequest.newBuilder(uri).GET().build()
                            : HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                    while (System.nanoTime() < end) {
                        if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() / 100 == 2) {
                            answered.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : running) {
                client.get();
            }
        } finally {
            clients.shutdown();
        }
        return answered.get() / ((System.nanoTime() - start) / 1e9);
    }

    /** Wall time of {@code ./gpuqueue jobs list}, median of 5 runs after one untimed run. */
    private static double cliSeconds(URI server) throws Exception {
        double[] runs = new double[5];
        for (int i = -1; i < runs.length; i++) {
            long start = System.nanoTime();
            Process cli = new ProcessBuilder("./gpuqueue", "jobs", "list", "--url", server.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            if (cli.waitFor() != 0) {
                throw new IllegalStateException("./gpuqueue jobs list failed");
            }
            if (i >= 0) {
                runs[i] = (System.nanoTime() - start) / 1e9;
            }
        }
        Arrays.sort(runs);
        return runs[runs.length / 2];
    }

    /** The server as its own process on a free port. */
    private record Server(Process process, int port) {
        private static final Pattern JOB_ID = Pattern.compile("\"job_id\"\\s*:\\s*\"([^\"]+)\"");

        static Server start(Path home) throws Exception {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Process process = new ProcessBuilder("./gpuqueue", "server", "--home",
                    home.toString(), "--port", String.valueOf(port), "--simulate-gpus", "4")
                    .redirectErrorStream(true).redirectOutput(home.resolve("server.log").toFile()).start();
            Server server = new Server(process, port);
            HttpClient client = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    if (client.send(HttpRequest.newBuilder(server.url("/api/health")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return server;
                    }
                } catch (IOException notYet) {
                    Thread.sleep(200);
                }
            }
            process.destroyForcibly();
            throw new IllegalStateException("the server did not answer within 2 minutes; see " + home.resolve("server.log"));
        }

        URI url(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        long rssKb() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
            throw new IllegalStateException("no VmRSS for the server");
        }

        /** Cancels the running jobs (they would outlive the server, which leaves running jobs running). */
        void cancelRunning() throws Exception {
            HttpClient client = HttpClient.newHttpClient();
            String running = client.send(HttpRequest.newBuilder(url("/api/jobs?status=running&limit=200")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher id = JOB_ID.matcher(running);
            while (id.find()) {
                client.send(HttpRequest.newBuilder(url("/api/jobs/" + id.group(1) + "/cancel"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            }
        }

        void stop() throws InterruptedException {
            process.destroy();
            process.waitFor();
        }
    }
}
