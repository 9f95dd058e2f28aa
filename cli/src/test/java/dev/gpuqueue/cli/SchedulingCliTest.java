package dev.gpuqueue.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuqueue.cli.CliRun.Result;
import dev.gpuqueue.core.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dependencies and sweeps through the CLI against the real server, with real job processes:
 * {@code --after}, {@code --sweep}, {@code --max-running}, {@code jobs list --array},
 * {@code jobs cancel --array}, and a dependency chain that outlives a server restart.
 */
class SchedulingCliTest {
    @TempDir
    Path home;

    private Path seen;
    private CliServer server;

    @BeforeEach
    void startServer() throws IOException {
        Path configs = Files.createDirectories(home.resolve("configs"));
        seen = Files.createDirectories(home.resolve("seen"));
        Files.writeString(configs.resolve("sweep.json"), "{\"command\": [\"sh\", \"-c\", \"echo $GPUQUEUE_ARRAY_INDEX"
                + " $GPUQUEUE_PARAM_LR $GPUQUEUE_PARAM_SEED > " + seen + "/$GPUQUEUE_ARRAY_INDEX.txt\"]}");
        Files.writeString(configs.resolve("sleepy.json"), "{\"command\": [\"sleep\", \"60\"]}");
        Files.writeString(configs.resolve("step.json"), "{\"command\": [\"sh\", \"-c\", \"sleep 1; echo $GPUQUEUE_JOB_ID >> "
                + seen + "/order.txt\"]}");
        server = new CliServer(home);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private Result run(String... args) {
        return server.run(args);
    }

    private String status(String id) {
        return run("jobs", "list", "--format", "json", "-o", "job_id,status", "-l", "200").json()
                .findParents("job_id").stream().filter(j -> j.get("job_id").asText().equals(id))
                .map(j -> j.get("status").asText()).findFirst().orElse(null);
    }

    private void awaitStatus(String id, String wanted) {
        Await.until("job " + id + " to be " + wanted, Duration.ofSeconds(30), () -> wanted.equals(status(id)));
    }

    private static String idIn(Result submitted) {
        String line = submitted.out().lines().filter(l -> l.startsWith("job ")).findFirst().orElseThrow();
        return line.split(" ")[1];
    }

    @Test
    void aSweepRunsOneRealProcessPerCombinationWithItsParametersAndListsByArray() throws IOException {
        Result submitted = run("jobs", "submit", "sweep", "--sweep", "lr=1e-4,3e-4", "--sweep", "seed=1,2",
                "--max-running", "2");

        assertThat(submitted.exit()).as(submitted.err()).isZero();
        String arrayId = idIn(submitted);
        assertThat(submitted.out()).startsWith("array " + arrayId + ": 4 jobs, 1 started;");
        Await.until("all four sweep jobs to write what they saw", Duration.ofSeconds(30),
                () -> seen.toFile().list().length == 4);
        List<String> lines = new ArrayList<>();
        for (int index = 0; index < 4; index++) {
            Path file = seen.resolve(index + ".txt");
            Await.until(file + " to be written", Duration.ofSeconds(10), () -> read(file).endsWith("\n"));
            lines.add(read(file).strip());
        }
        assertThat(lines).containsExactly("0 0.0001 1", "1 0.0001 2", "2 0.0003 1", "3 0.0003 2");

        Await.until("the array to complete", Duration.ofSeconds(30),
                () -> run("jobs", "list", "--array", arrayId).out().lines().skip(1).allMatch(l -> l.contains("completed")));
        Result listed = run("jobs", "list", "--array", arrayId);
        assertThat(listed.out().lines().toList()).hasSize(5);
        assertThat(listed.out().lines().findFirst().orElseThrow()).startsWith("INDEX").contains("JOB ID").contains("STATUS");
        assertThat(listed.out().lines().skip(1).map(l -> l.split("\\s+")[0]).toList()).containsExactly("0", "1", "2", "3");
    }

    @Test
    void afterWaitsNamingTheJobAndACancelledDependencyCancelsTheWaitingJob() {
        String sleepy = idIn(run("jobs", "submit", "sleepy"));

        Result waiting = run("jobs", "submit", "sweep", "--after", sleepy);

        assertThat(waiting.out()).contains("queued at position - (waiting for job " + sleepy + " (running))");
        String dependent = idIn(waiting);
        assertThat(run("jobs", "list").out()).contains("pending (waiting for job " + sleepy + " (running))");
        Result badCondition = run("jobs", "submit", "sweep", "--after", sleepy + ":eventually");
        assertThat(badCondition.exit()).isNotZero();
        assertThat(badCondition.err()).contains("unknown dependency condition 'eventually'");

        run("jobs", "cancel", sleepy);

        awaitStatus(dependent, "cancelled");
        JsonNode job = run("jobs", "list", "--format", "json", "-o", "job_id,error_message").json()
                .findParents("job_id").stream().filter(j -> j.get("job_id").asText().equals(dependent)).findFirst()
                .orElseThrow();
        assertThat(job.get("error_message").asText()).isEqualTo("dependency " + sleepy + " was cancelled");
    }

    @Test
    void cancelArrayCancelsTheWholeSweepInOneCommand() {
        String arrayId = idIn(run("jobs", "submit", "sleepy", "--sweep", "seed=1,2,3"));

        Result cancelled = run("jobs", "cancel", "--array", arrayId);

        assertThat(cancelled.exit()).as(cancelled.err()).isZero();
        assertThat(cancelled.out().strip()).isEqualTo("array " + arrayId + ": 3 jobs cancelled");
        assertThat(run("jobs", "list", "--array", arrayId).out().lines().skip(1))
                .hasSize(3).allMatch(l -> l.contains("cancelled"));
    }

    @Test
    void aDependencyChainCarriesOnAcrossAServerRestart() throws IOException {
        String first = idIn(run("jobs", "submit", "step"));
        String second = idIn(run("jobs", "submit", "step", "--after", first));
        String third = idIn(run("jobs", "submit", "step", "--after", second + ":finished"));

        server.stopServer();
        server.start();

        awaitStatus(third, "completed");
        assertThat(Files.readAllLines(seen.resolve("order.txt"))).containsExactly(first, second, third);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
