package dev.gpuqueue.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;
import java.util.regex.Pattern;

/** {@code gpuqueue jobs ...}: submit, list, status, cancel, logs, events. */
@Command(name = "jobs", mixinStandardHelpOptions = true, description = "Submit, list, follow and cancel jobs.",
        subcommands = {JobsCommand.Submit.class, JobsCommand.ListJobs.class, JobsCommand.Status.class,
                JobsCommand.Cancel.class, JobsCommand.Logs.class, JobsCommand.Events.class, JobsCommand.Watch.class})
public final class JobsCommand {

    /** Base of the client subcommands: output writer and the API client. */
    abstract static class ClientCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        ClientOptions options;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        private ApiClient api;

        /** One client for the whole command (a log of any length is read through one connection pool). */
        ApiClient api() {
            if (api == null) {
                api = options.client();
            }
            return api;
        }
    }

    /** Where a running job runs, in words: {@code worker gpu-box-1}, {@code GPUs [0, 1]}, or {@code -}. */
    static String where(JsonNode job) {
        JsonNode worker = job.get("allocated_worker_id");
        if (worker != null && !worker.isNull()) {
            return "worker " + worker.asText();
        }
        JsonNode gpus = job.get("allocated_gpus");
        return gpus == null || gpus.isEmpty() ? "-" : "GPUs " + gpus;
    }

    @Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit a job from configs/CONFIG.json.")
    static final class Submit extends ClientCommand {
        @Parameters(index = "0", paramLabel = "CONFIG", description = "Config name (configs/<CONFIG>.json on the server).")
        String config;

        @Option(names = "--no-wait", description = "Create the job only if it starts at once.")
        boolean noWait;

        @Option(names = "--any-gpu", description = "Use any free GPUs instead of the config's device ids.")
        boolean anyGpu;

        @Option(names = "--dry-run", description = "Say whether and where it would start now; submit nothing.")
        boolean dryRun;

        @Option(names = "--target", defaultValue = "auto", description = "auto, worker or local (default: ${DEFAULT-VALUE}).")
        String target;

        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Worker label requirement (glob values); repeatable.")
        Map<String, String> labels = new LinkedHashMap<>();

        @Option(names = "--requires-approval", description = "Hold the job until an admin approves it.")
        boolean requiresApproval;

        @Option(names = "--after", paramLabel = "JOB[:CONDITION]", description = "Start only after job JOB ended"
                + " as asked: succeeded (default), finished or failed; repeatable (all must hold).")
        List<String> after = new ArrayList<>();

        @Option(names = "--sweep", paramLabel = "NAME=V1,V2,...", description = "Submit one job per combination of"
                + " the values (a job array); each job gets GPUQUEUE_PARAM_<NAME> and GPUQUEUE_ARRAY_INDEX;"
                + " repeatable (the grid crosses them).")
        List<String> sweep = new ArrayList<>();

        @Option(names = "--max-running", paramLabel = "N", description = "With --sweep: at most N jobs of the array run at once.")
        Integer maxRunning;

        @Override
        public Integer call() {
            if (maxRunning != null && sweep.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--max-running applies to a sweep; add --sweep");
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("config_name", config);
            body.put("no_wait", noWait);
            body.put("any_gpu", anyGpu);
            body.put("dry_run", dryRun);
            body.put("target", target.toLowerCase(Locale.ROOT));
            body.put("worker_labels", labels);
            body.put("requires_approval", requiresApproval);
            if (!after.isEmpty()) {
                body.put("depends_on", after.stream().map(this::dependency).toList());
            }
            if (!sweep.isEmpty()) {
                Map<String, Object> array = new LinkedHashMap<>();
                array.put("values", grid());
                array.put("max_running", maxRunning);
                body.put("array", array);
            }
            JsonNode answer = api().post("/api/queue/submit", body);
            String status = answer.get("status").asText();
            String where = describe(answer);
            if (dryRun) {
                out().println("dry run: " + ("running".equals(status) ? "would start now " + where
                        : "rejected".equals(status) ? "would be rejected: " + Output.cell(answer.get("reason"))
                        : "would wait " + where) + " (nothing submitted)");
                return 0;
            }
            if ("rejected".equals(status)) {
                out().println("rejected: " + Output.cell(answer.get("reason")));
                return 1;
            }
            JsonNode array = answer.get("array");
            if (array != null && !array.isNull()) {
                out().println("array " + array.get("array_id").asText() + ": " + array.get("count").asInt() + " jobs, "
                        + array.get("started").asInt() + " started; list them with: gpuqueue jobs list --array "
                        + array.get("array_id").asText());
            }
            out().println("job " + answer.get("job_id").asText() + " " + status + " " + where);
            return 0;
        }

        /** {@code JOB[:CONDITION]} as a {@code depends_on} entry; the server checks the id and the condition. */
        private Map<String, String> dependency(String text) {
            int colon = text.indexOf(':');
            Map<String, String> entry = new LinkedHashMap<>();
            entry.put("job_id", colon < 0 ? text : text.substring(0, colon));
            entry.put("condition", colon < 0 ? "succeeded" : text.substring(colon + 1));
            return entry;
        }

        /** The {@code --sweep} options as the array's values, in the order given; numbers are sent as numbers. */
        private Map<String, List<Object>> grid() {
            Map<String, List<Object>> values = new LinkedHashMap<>();
            for (String option : sweep) {
                int eq = option.indexOf('=');
                if (eq < 1 || eq == option.length() - 1) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--sweep takes NAME=V1,V2,... (e.g. --sweep lr=1e-4,3e-4), got '" + option + "'");
                }
                String name = option.substring(0, eq);
                if (values.put(name, Arrays.stream(option.substring(eq + 1).split(",", -1)).map(Submit::value).toList()) != null) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--sweep " + name + " is given twice");
                }
            }
            return values;
        }

        private static Object value(String text) {
            if (NUMBER.matcher(text).matches()) {
                return text.matches("[-+]?\\d{1,18}") ? (Object) Long.parseLong(text) : (Object) Double.parseDouble(text);
            }
            return text;
        }

        private static final Pattern NUMBER =
                Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

        private static String describe(JsonNode answer) {
            return switch (answer.get("status").asText()) {
                case "running" -> "on " + where(answer);
                case "queued" -> "at position " + Output.cell(answer.get("queue_position")) + " ("
                        + Output.cell(answer.get("reason")) + ")";
                case "blocked" -> "(awaiting approval)";
                default -> "";
            };
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List jobs of every status, newest first.")
    static final class ListJobs extends ClientCommand {
        @Option(names = "-o", split = ",", paramLabel = "FIELD",
                description = "Fields to show, dot notation into nested ones, e.g. job_id,status,metadata.run_name.")
        List<String> fields;

        @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
        String format;

        @Option(names = "--status", description = "Only this status (queued is an alias of pending).")
        String status;

        @Option(names = {"-l", "--limit"}, defaultValue = "50", description = "At most this many, 1..200 (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--array", paramLabel = "ARRAY_ID", description = "Only the jobs of this array (sweep), by index.")
        String array;

        @Override
        public Integer call() {
            if (!format.equals("table") && !format.equals("json")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--format must be table or json");
            }
            if (array != null) {
                return listArray();
            }
            String query = "/api/jobs?limit=" + limit + (status == null ? "" : "&status=" + ApiClient.encode(status));
            JsonNode jobs = api().get(query).get("jobs");
            if (format.equals("json")) {
                out().println(Output.json(fields == null ? jobs : Output.select(jobs, fields)));
            } else if (fields != null) {
                List<List<String>> rows = new ArrayList<>();
                jobs.forEach(j -> rows.add(fields.stream().map(f -> Output.cell(Output.at(j, f))).toList()));
                Output.table(out(), fields.stream().map(f -> f.toUpperCase(Locale.ROOT)).toList(), rows);
            } else {
                Map<String, String> reasons = pendingReasons();
                List<List<String>> rows = new ArrayList<>();
                jobs.forEach(j -> rows.add(List.of(j.get("job_id").asText(), statusWithReason(j, reasons),
                        j.get("config_name").asText(), Output.cell(Output.at(j, "metadata.run_name")),
                        where(j), timing(j))));
                Output.table(out(), List.of("JOB ID", "STATUS", "CONFIG", "RUN NAME", "WHERE", "WAITED/RAN"), rows);
            }
            return 0;
        }

        /** One array's jobs by index, with each one's parameters, status and reason. */
        private int listArray() {
            String query = "/api/queue?array_id=" + ApiClient.encode(array) + "&limit=" + limit
                    + (status == null ? "" : "&status=" + ApiClient.encode(status));
            JsonNode entries = api().get(query).get("entries");
            if (format.equals("json")) {
                out().println(Output.json(fields == null ? entries : Output.select(entries, fields)));
                return 0;
            }
            List<List<String>> rows = new ArrayList<>();
            entries.forEach(e -> {
                String reason = Output.cell(e.get("pending_reason"));
                rows.add(List.of(e.get("array_index").asText(), e.get("job_id").asText(),
                        e.get("status").asText() + (reason.equals("-") ? "" : " (" + reason + ")"), where(e)));
            });
            Output.table(out(), List.of("INDEX", "JOB ID", "STATUS", "WHERE"), rows);
            return 0;
        }

        private Map<String, String> pendingReasons() {
            Map<String, String> reasons = new HashMap<>();
            api().get("/api/queue?status=pending&limit=200").get("entries")
                    .forEach(e -> reasons.put(e.get("job_id").asText(), Output.cell(e.get("pending_reason"))));
            return reasons;
        }

        private static String statusWithReason(JsonNode job, Map<String, String> reasons) {
            String status = job.get("status").asText();
            String reason = reasons.get(job.get("job_id").asText());
            return reason == null || reason.equals("-") ? status : status + " (" + reason + ")";
        }

        private static String timing(JsonNode job) {
            Instant queued = Instant.parse(job.get("queued_at").asText());
            if (job.get("started_at").isNull()) {
                return "waiting " + human(Duration.between(queued, Instant.now()));
            }
            Instant started = Instant.parse(job.get("started_at").asText());
            Instant end = job.get("completed_at").isNull() ? Instant.now() : Instant.parse(job.get("completed_at").asText());
            return "waited " + human(Duration.between(queued, started)) + ", ran " + human(Duration.between(started, end));
        }

        static String human(Duration d) {
            long s = Math.max(0, d.toSeconds());
            return s < 60 ? s + "s" : s < 3600 ? s / 60 + "m" + s % 60 + "s" : s / 3600 + "h" + (s % 3600) / 60 + "m";
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Queue statistics and the local GPUs.")
    static final class Status extends ClientCommand {
        @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
        String format;

        @Override
        public Integer call() {
            JsonNode stats = api().get("/api/queue/stats");
            if (format.equals("json")) {
                out().println(Output.json(stats));
                return 0;
            }
            JsonNode local = stats.get("local");
            out().printf("queued %d, running %d of max %d (per user %d)%n", stats.get("queue_depth").asInt(),
                    stats.get("running").asInt(), stats.get("max_concurrent").asInt(), stats.get("user_max_concurrent").asInt());
            out().printf("local GPUs: %d total, allocated %s, available %s; local jobs running %d of max %d%n",
                    local.get("total_gpus").asInt(), local.get("allocated_gpus"), local.get("available_gpus"),
                    local.get("running_jobs").asInt(), local.get("max_concurrent_jobs").asInt());
            JsonNode workers = stats.get("workers");
            if (workers != null && workers.get("total").asInt() > 0) {
                out().printf("workers: %d total, %d idle, %d busy, %d draining, %d offline, %d connecting%n",
                        workers.get("total").asInt(), workers.get("idle").asInt(), workers.get("busy").asInt(),
                        workers.get("draining").asInt(), workers.get("offline").asInt(), workers.get("connecting").asInt());
            }
            out().printf("average wait (24 h): %s%n", stats.get("avg_wait_seconds").isNull() ? "-"
                    : String.format(Locale.ROOT, "%.1f s", stats.get("avg_wait_seconds").asDouble()));
            out().flush();
            return 0;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancel a job, or with --all every active job you may cancel (waiting ones first).")
    static final class Cancel extends ClientCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "JOB_ID")
        String jobId;

        @Option(names = "--all", description = "Cancel every active job you may cancel.")
        boolean all;

        @Option(names = "--status", description = "With --all: only jobs with this status.")
        String status;

        @Option(names = "--force", description = "With --all: do not ask for confirmation.")
        boolean force;

        @Option(names = "--array", paramLabel = "ARRAY_ID", description = "Cancel every active job of this array (sweep).")
        String array;

        @Override
        public Integer call() throws IOException {
            if ((jobId != null ? 1 : 0) + (all ? 1 : 0) + (array != null ? 1 : 0) != 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give one of JOB_ID, --all or --array ARRAY_ID");
            }
            if (array != null) {
                JsonNode answer = api().post("/api/arrays/" + ApiClient.encode(array) + "/cancel", null);
                out().println("array " + answer.get("array_id").asText() + ": " + answer.get("cancelled").asInt()
                        + " jobs cancelled");
                return 0;
            }
            if (!all) {
                JsonNode answer = api().post("/api/jobs/" + jobId + "/cancel", null);
                out().println("job " + answer.get("job_id").asText() + " " + answer.get("status").asText());
                return 0;
            }
            List<JsonNode> targets = activeJobs();
            if (targets.isEmpty()) {
                out().println("no active jobs to cancel");
                return 0;
            }
            if (!force && !confirm(targets.size())) {
                out().println("nothing cancelled");
                return 1;
            }
            int failures = 0;
            for (JsonNode job : targets) {
                String id = job.get("job_id").asText();
                try {
                    api().post("/api/jobs/" + id + "/cancel", null);
                    out().println("job " + id + " cancelled");
                } catch (ClientException e) {
                    failures++;
                    spec.commandLine().getErr().println("job " + id + ": " + e.getMessage());
                }
            }
            out().flush();
            return failures == 0 ? 0 : 1;
        }

        /** Pending and blocked first, then running, each in the queue's own order. */
        private List<JsonNode> activeJobs() {
            List<JsonNode> waiting = new ArrayList<>();
            List<JsonNode> running = new ArrayList<>();
            for (int offset = 0; ; offset += 200) {
                JsonNode entries = api().get("/api/queue?limit=200&offset=" + offset
                        + (status == null ? "" : "&status=" + ApiClient.encode(status))).get("entries");
                entries.forEach(e -> ("running".equals(e.get("status").asText()) ? running : waiting).add(e));
                if (entries.size() < 200) {
                    break;
                }
            }
            waiting.addAll(running);
            return waiting;
        }

        private boolean confirm(int count) throws IOException {
            out().print("Cancel " + count + " job" + (count == 1 ? "" : "s") + "? [y/N] ");
            out().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(
                    ((Terminal) spec.root().userObject()).input(), StandardCharsets.UTF_8));
            String answer = in.readLine();
            return answer != null && Arrays.asList("y", "yes").contains(answer.strip().toLowerCase(Locale.ROOT));
        }
    }

    @Command(name = "logs", mixinStandardHelpOptions = true,
            description = "Print a job's output, byte for byte; -f follows it until the job ends.")
    static final class Logs extends ClientCommand {
        private static final long FOLLOW_POLL_MILLIS = 300;

        @Parameters(index = "0", paramLabel = "JOB_ID")
        String jobId;

        @Option(names = {"-f", "--follow"}, description = "Keep printing new output until the job ends.")
        boolean follow;

        @Option(names = "--tail", paramLabel = "N",
                description = "Start with the last N lines (1..100000) found in the last MiB of the log.")
        Integer tail;

        /** Streams the log chunk by chunk (constant memory, whatever its size) to the terminal as bytes. */
        @Override
        public Integer call() throws Exception {
            if (tail != null && (tail < 1 || tail > 100_000)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--tail must be between 1 and 100000");
            }
            out().flush();
            OutputStream terminal = ((Terminal) spec.root().userObject()).output();
            String path = "/api/jobs/" + ApiClient.encode(jobId) + "/logs";
            ApiClient.Answer chunk = api().bytes(path + (tail != null ? "?tail=" + tail : "?offset=0"));
            while (true) {
                terminal.write(chunk.body());
                terminal.flush();
                long offset = header(chunk, "X-Log-Offset");
                boolean atEnd = chunk.body().length == 0 || offset >= header(chunk, "X-Log-Size");
                if (!atEnd && tail == null) {
                    chunk = api().bytes(path + "?offset=" + offset);
                    continue;
                }
                if (!follow) {
                    return 0;
                }
                if (atEnd && !isActive()) {
                    drainFrom(offset, path, terminal);
                    return 0;
                }
                if (atEnd) {
                    Thread.sleep(FOLLOW_POLL_MILLIS);
                }
                tail = null;
                chunk = api().bytes(path + "?offset=" + offset);
            }
        }

        /** After the job ended: everything it wrote since {@code offset}, however much. */
        private void drainFrom(long offset, String path, OutputStream terminal) throws IOException {
            while (true) {
                ApiClient.Answer chunk = api().bytes(path + "?offset=" + offset);
                terminal.write(chunk.body());
                terminal.flush();
                offset = header(chunk, "X-Log-Offset");
                if (chunk.body().length == 0 || offset >= header(chunk, "X-Log-Size")) {
                    return;
                }
            }
        }

        private boolean isActive() {
            return api().get("/api/jobs/" + ApiClient.encode(jobId)).get("status").asText().matches("pending|blocked|running");
        }

        private static long header(ApiClient.Answer response, String name) {
            return response.longHeader(name).orElse(0);
        }
    }

    @Command(name = "events", mixinStandardHelpOptions = true, description = "A job's history.")
    static final class Events extends ClientCommand {
        @Parameters(index = "0", paramLabel = "JOB_ID")
        String jobId;

        @Override
        public Integer call() {
            List<List<String>> rows = new ArrayList<>();
            api().get("/api/jobs/" + jobId + "/events").get("events").forEach(e -> rows.add(List.of(
                    e.get("at").asText(), e.get("type").asText(), Output.cell(e.get("from")) + " -> " + e.get("to").asText(),
                    e.get("actor").asText(), Output.cell(e.get("detail")))));
            Output.table(out(), List.of("AT", "EVENT", "STATUS", "BY", "DETAIL"), rows);
            return 0;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = "Print the queue's events as they happen (one job's with JOB_ID, until it ends: exit 0 when it"
                    + " completed, 1 when it failed or was cancelled, or the stream could not be followed).")
    static final class Watch extends ClientCommand {
        private static final ObjectMapper JSON = new ObjectMapper();
        private static final Set<String> ENDED = Set.of("completed", "failed", "cancelled");
        /** Reconnections after the stream ended or could not be reached, 1 s doubling, before giving up. */
        private static final int RECONNECTS = 6;

        @Parameters(index = "0", arity = "0..1", paramLabel = "JOB_ID")
        String jobId;

        @Option(names = "--after", paramLabel = "EVENT_ID",
                description = "Start after this event id (default: a job's whole history; without a job, from now).")
        Long after;

        /** Where the stream is: the last event id printed (null: "now", nothing seen yet), and the job's end. */
        private Long position;
        private String end;

        @Override
        public Integer call() throws InterruptedException {
            position = after != null ? after : jobId != null ? Long.valueOf(0) : null;
            int failures = 0;
            while (true) {
                try {
                    follow();
                    if (end != null) {
                        return end.equals("completed") ? 0 : 1;
                    }
                    failures = 0; // the stream ended (server restart, lag): resume where it stopped
                } catch (ClientException e) {
                    if (e.refused()) {
                        throw e;
                    }
                    if (++failures > RECONNECTS) {
                        throw new ClientException("gave up following the event stream: " + e.getMessage());
                    }
                    spec.commandLine().getErr().println("gpuqueue: " + e.getMessage() + "; retrying");
                    TimeUnit.SECONDS.sleep(1L << (failures - 1));
                }
            }
        }

        /** Reads the stream from {@link #position} until it ends, the watched job ends or the server says it lagged. */
        private void follow() {
            String query = "?after=" + (position == null ? "now" : position.toString())
                    + (jobId != null ? "&job_id=" + ApiClient.encode(jobId) : "");
            String[] type = new String[1];
            api().events("/api/events" + query, line -> {
                if (line.startsWith("event:")) {
                    type[0] = line.substring(6).strip();
                    return true;
                }
                if (!line.startsWith("data:")) {
                    return true;
                }
                JsonNode event = parse(line.substring(5).strip());
                if ("lagged".equals(type[0])) {
                    spec.commandLine().getErr().println("gpuqueue: fell behind the server; resuming after event "
                            + event.get("last_event_id").asLong());
                    position = event.get("last_event_id").asLong();
                    return false;
                }
                position = event.get("id").asLong();
                out().println(describe(event));
                out().flush();
                String to = event.hasNonNull("to") ? event.get("to").asText() : "";
                if (jobId != null && ENDED.contains(to)) {
                    end = to;
                    return false;
                }
                return true;
            });
        }

        private static JsonNode parse(String data) {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new ClientException("the server sent an event that is not JSON: " + e.getMessage());
            }
        }

        /** {@code 2026-12-03T18:00:00Z #42 dispatched job abc (pending -> running) by scheduler: on GPUs [0]}. */
        static String describe(JsonNode e) {
            StringBuilder line = new StringBuilder(e.get("at").asText()).append(" #").append(e.get("id").asLong())
                    .append(' ').append(e.get("type").asText());
            if (e.hasNonNull("job_id")) {
                line.append(" job ").append(e.get("job_id").asText());
            }
            if (e.hasNonNull("to")) {
                line.append(" (").append(Output.cell(e.get("from"))).append(" -> ").append(e.get("to").asText()).append(')');
            }
            line.append(" by ").append(e.get("actor").asText());
            if (e.hasNonNull("detail")) {
                line.append(": ").append(e.get("detail").asText());
            }
            return line.toString();
        }
    }
}
