package dev.gpuqueue.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpuqueue.core.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a job can reach (SPEC §14), with the real server: no server secrets, no state, no escape from cancel. */
class JobIsolationIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path home;

    private String log(String id) {
        try {
            return Files.readString(home.resolve("logs/" + id + ".log"));
        } catch (IOException notYet) {
            return "";
        }
    }

    private static void awaitEnd(ServerProcess server, String id) {
        Await.until(id + " to end", WAIT, () -> !server.status(id).matches("pending|running"));
    }

    @Test
    void serverSecretsNeverReachAJobOnlyTheAllowlistAndPassedNames() throws Exception {
        try (ServerProcess server = new ServerProcess(home, "--pass-env", "TEAM_BUCKET", "--scheduler-interval", "1")
                .env("MY_SERVER_SECRET", "hunter2").env("GPUQUEUE_TOKEN", "gq_secret").env("TEAM_BUCKET", "s3://x")
                .env("LC_ALL", "C.UTF-8")
                .config("env", "{\"command\": [\"sh\", \"-c\", \"env; pwd\"], \"env\": {\"FROM_CONFIG\": \"1\"}}").start()) {
            String id = server.submit("env").get("job_id").asText();
            awaitEnd(server, id);

            String env = log(id);
            assertThat(env).contains("TEAM_BUCKET=s3://x", "LC_ALL=C.UTF-8", "FROM_CONFIG=1", "PATH=",
                    "GPUQUEUE_JOB_ID=" + id, "CUDA_VISIBLE_DEVICES=0");
            assertThat(env).doesNotContain("MY_SERVER_SECRET").doesNotContain("hunter2").doesNotContain("gq_secret");
            assertThat(env.strip().lines().reduce((a, b) -> b).orElseThrow()).as("the working directory")
                    .endsWith("/" + id).doesNotStartWith(home.toString());
            server.stopLeavingNoJobBehind();
        }
    }

    @Test
    void cancelStopsAProcessThatLeftTheJobsGroupAndIgnoresSigtermBeforeTheGpusAreFree() throws Exception {
        try (ServerProcess server = new ServerProcess(home, "--scheduler-interval", "1")
                .config("runaway", "{\"command\": [\"sh\", \"-c\", \"setsid sh -c 'trap \\\"\\\" TERM; echo escaped;"
                        + " sleep 300' & sleep 300\"]}").start()) {
            String id = server.submit("runaway").get("job_id").asText();
            Await.until("the escaped process to start", WAIT, () -> log(id).contains("escaped"));
            assertThat(carrying(id)).hasSizeGreaterThanOrEqualTo(3);

            JsonNode cancelled = server.post("/api/jobs/" + id + "/cancel", null);

            assertThat(cancelled.get("status").asText()).isEqualTo("cancelled");
            assertThat(carrying(id)).as("no process of the job left").isEmpty();
            assertThat(server.get("/api/queue/stats").get("local").get("allocated_gpus").toString()).isEqualTo("[]");
            server.stopLeavingNoJobBehind();
        }
    }

    @Test
    void asJobUserAJobCanNeitherWriteTheDatabaseNorAnotherJobsExitFileAndTheQueueIsUnchanged() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "runs jobs as another user: needs root");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (ServerProcess server = new ServerProcess(home, "--job-user", "nobody", "--scheduler-interval", "1")
                .config("quick", "{\"command\": [\"sh\", \"-c\", \"echo quick; exit 0\"]}").start()) {
            String quick = server.submit("quick").get("job_id").asText();
            awaitEnd(server, quick);
            Path exitFile = home.resolve("logs/" + quick + ".1.exit");
            server.config("intruder", "{\"command\": [\"sh\", \"-c\", \"id -un;"
                    + " sqlite3 " + home.resolve("jobs.db") + " 'select 1' 2>&1;"
                    + " echo junk >> " + home.resolve("jobs.db") + " || echo db-refused;"
                    + " echo 99 > " + exitFile + " || echo exit-refused;"
                    + " cat " + home.resolve("logs/" + quick + ".log") + " || echo log-refused\"]}");
            List<JsonNode> before = server.allJobs();
            String users = server.get("/api/admin/users").toString();

            String intruder = server.submit("intruder").get("job_id").asText();
            awaitEnd(server, intruder);

            assertThat(log(intruder)).contains("nobody", "db-refused", "exit-refused", "log-refused")
                    .doesNotContain("quick\n");
            assertThat(Files.readString(exitFile).strip()).isEqualTo("0");
            assertThat(server.job(quick).get("exit_code").asInt()).isZero();
            assertThat(server.allJobs()).hasSize(before.size() + 1);
            assertThat(server.get("/api/admin/users").toString()).isEqualTo(users);
            assertThat(server.job(intruder).get("status").asText()).isEqualTo("completed");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home))).as("narrowed at start")
                    .isEqualTo("rwx------");
            server.stopLeavingNoJobBehind();
        }
    }

    /** The processes whose environment carries the job's id, read from /proc as the server does. */
    private static List<Long> carrying(String jobId) throws IOException {
        String marker = "GPUQUEUE_JOB_ID=" + jobId;
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                try {
                    String env = new String(Files.readAllBytes(proc.resolve("environ")), StandardCharsets.UTF_8);
                    if (List.of(env.split("\0")).contains(marker)) {
                        pids.add(Long.parseLong(proc.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // ended meanwhile, or not ours to read
                }
            }
        }
        return pids;
    }
}
