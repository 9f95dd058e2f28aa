package dev.gpuqueue.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuqueue.core.testing.Await;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad day in production, with the real server and real job processes: a database locked by
 * another process or on a full disk when a job ends, a database deleted under the running server.
 * Nothing is lost, nothing runs twice, and the server says what is wrong.
 */
class FaultsIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path home;

    @Test
    void aJobThatEndsWhileAnotherProcessHoldsTheWriteLockIsRecordedOnceTheLockIsReleased() throws Exception {
        try (ServerProcess server = new ServerProcess(home, "--scheduler-interval", "1")
                .config("short", "{\"command\": [\"sh\", \"-c\", \"sleep 2; echo done\"]}").start()) {
            String first = server.submit("short").get("job_id").asText();
            String second = server.submit("short").get("job_id").asText();
            assertThat(server.status(second)).isEqualTo("pending");

            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("jobs.db"));
                    Statement lock = other.createStatement()) {
                lock.execute("PRAGMA busy_timeout = 10000");
                lock.execute("BEGIN IMMEDIATE");
                Await.until("the server to fail recording the end", WAIT,
                        () -> server.log().contains("recording it failed"));
                assertThat(server.status(first)).as("not lost: kept, not yet stored").isEqualTo("running");
                ServerProcess.Answer health = server.call("GET", "/api/health", null);
                assertThat(health.status()).isEqualTo(503);
                assertThat(health.json().get("database").asText()).as(health.body() + "\n" + server.log()).isEqualTo("failing");
                assertThat(health.body()).contains("is busy").contains("wait to be stored");
                lock.execute("ROLLBACK");
            }

            Await.until("the end to be stored", Duration.ofSeconds(10), () -> server.status(first).equals("completed"));
            Await.until("the next job to start", Duration.ofSeconds(10), () -> !server.status(second).equals("pending"));
            assertThat(server.job(first).get("exit_code").asInt()).isZero();
            assertThat(server.job(first).get("attempt").asInt()).isEqualTo(1);
            Await.until("health to be ok again (the next write succeeds)", Duration.ofSeconds(10),
                    () -> server.call("GET", "/api/health", null).status() == 200);
            server.stopLeavingNoJobBehind();
        }
    }

    @Test
    void aJobEndingOnAFullDiskIsNeverRunAgainEvenAfterARestart() throws Exception {
        try (FullDisk disk = FullDisk.at(home)) {
            String script = "echo ran; sleep 3; exit 3";
            try (ServerProcess server = new ServerProcess(home, "--scheduler-interval", "1")
                    .config("job", "{\"command\": [\"sh\", \"-c\", \"" + script + "\"], \"max_attempts\": 3}").start()) {
                String id = server.submit("job").get("job_id").asText();
                Await.until("the job to start", WAIT, () -> home.resolve("logs/" + id + ".log").toFile().length() > 0);

                long pid = server.job(id).get("pid").asLong();
                disk.fill(id);
                Await.until("the job to end on the full disk", WAIT,
                        () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
                TimeUnit.SECONDS.sleep(1); // the server's first attempts to record the end meet the full disk
                disk.free();

                Await.until("the end to be stored", Duration.ofSeconds(20), () -> server.status(id).equals("failed"));
                assertThat(server.job(id).get("exit_code").asInt()).isEqualTo(3);
                assertThat(server.job(id).get("attempt").asInt()).isEqualTo(1);
                assertThat(home.resolve("logs/" + id + ".1.exit")).as("the wrapper could not write it").doesNotExist();

                server.kill9();
                server.start();
                JsonNode after = server.job(id);
                assertThat(after.get("status").asText()).isEqualTo("failed");
                assertThat(after.get("exit_code").asInt()).isEqualTo(3);
                assertThat(after.get("attempt").asInt()).as("never requeued").isEqualTo(1);
                assertThat(Files.readString(home.resolve("logs/" + id + ".log")).split("ran\n", -1)).as("ran once").hasSize(2);
                server.stopLeavingNoJobBehind();
            }
        }
    }

    @Test
    void aDeletedDatabaseIsReportedWritesAreRefusedAndARestartDoesNotSilentlyStartEmpty() throws Exception {
        try (ServerProcess server = new ServerProcess(home, "--scheduler-interval", "1")
                .config("short", "{\"command\": [\"true\"]}").start()) {
            server.submit("short");
            for (String suffix : List.of("", "-wal", "-shm")) {
                Files.deleteIfExists(home.resolve("jobs.db" + suffix));
            }

            ServerProcess.Answer health = server.call("GET", "/api/health", null);
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.body()).contains("jobs.db was deleted while the server runs");
            ServerProcess.Answer submit = server.call("POST", "/api/queue/submit", "{\"config_name\": \"short\"}");
            assertThat(submit.status()).isEqualTo(503);
            assertThat(submit.json().get("detail").asText()).contains("was deleted");
            assertThat(server.sigterm()).isIn(0, 143);
        }

        ServerProcess.CliRun refused = new ServerProcess(home).startRefused();
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.output()).contains("is missing, but this directory held one").contains("--new-database")
                .doesNotContain("\tat ");
        assertThat(home.resolve("jobs.db")).doesNotExist();

        try (ServerProcess fresh = new ServerProcess(home, "--new-database").start()) {
            assertThat(fresh.allJobs()).isEmpty();
            fresh.stopLeavingNoJobBehind();
        }
    }

    /**
     * The state directory on a small tmpfs that a test fills on purpose (root only); where mounting is
     * not allowed, the same end is made by an injected write failure instead: the job makes its exit
     * file unwritable and the test holds the database lock while it ends.
     */
    private static final class FullDisk implements AutoCloseable {
        private final Path home;
        private final boolean mounted;
        private Connection lock;

        private FullDisk(Path home, boolean mounted) {
            this.home = home;
            this.mounted = mounted;
        }

        static FullDisk at(Path home) throws Exception {
            boolean mounted = run("mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", home.toString()) == 0;
            return new FullDisk(home, mounted);
        }

        /** No space left: the wrapper cannot write the job's exit file, the database cannot grow. */
        void fill(String jobId) throws Exception {
            if (mounted) {
                try (OutputStream out = Files.newOutputStream(home.resolve("filler"))) {
                    byte[] block = new byte[64 * 1024];
                    while (true) {
                        out.write(block);
                    }
                } catch (IOException full) {
                    // the disk is full now
                }
            } else {
                Files.createDirectories(home.resolve("logs/" + jobId + ".1.exit.tmp"));
                lock = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("jobs.db"));
                try (Statement statement = lock.createStatement()) {
                    statement.execute("PRAGMA busy_timeout = 10000");
                    statement.execute("BEGIN IMMEDIATE");
                }
            }
        }

        void free() throws Exception {
            if (mounted) {
                Files.deleteIfExists(home.resolve("filler"));
            } else if (lock != null) {
                lock.close();
            }
        }

        @Override
        public void close() throws Exception {
            free();
            if (mounted) {
                run("umount", "-l", home.toString());
            }
        }

        private static int run(String... command) throws IOException {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                return process.waitFor(30, TimeUnit.SECONDS) ? process.exitValue() : -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
    }
}
