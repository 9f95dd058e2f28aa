package dev.gpuqueue.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gpuqueue workers ...}: add, list, drain, undrain, remove remote workers and replace their tokens (admin). */
@Command(name = "workers", mixinStandardHelpOptions = true,
        description = "Add, list, drain and remove remote workers; replace their tokens (admin).",
        subcommands = {WorkersCommand.Add.class, WorkersCommand.ListWorkers.class, WorkersCommand.Drain.class,
                WorkersCommand.Undrain.class, WorkersCommand.Remove.class, WorkersCommand.Token.class})
public final class WorkersCommand {
    private static final String WORKERS = "/api/admin/workers";

    private static String path(String name) {
        return WORKERS + "/" + ApiClient.encode(name);
    }

    /**
     * A worker's status, with "(draining)" when it is drained but its status says otherwise: one not
     * heard from yet stays {@code connecting}, one gone silent {@code offline}.
     */
    private static String state(JsonNode worker) {
        String status = worker.get("status").asText();
        return worker.path("draining").asBoolean() && !status.equals("draining") ? status + " (draining)" : status;
    }

    /** The token and the command that starts the worker with it, from a create or token answer. */
    /**
     * The token as the only line on stdout (so {@code > box.token} keeps it), and on stderr what it
     * is and the command that starts the worker.
     */
    private static void printToken(String what, JsonNode answer, PrintWriter out, PrintWriter err) {
        out.println(answer.get("token").asText());
        out.flush();
        err.println(what + "; its token, on stdout, is shown only this once ('gpuqueue workers token NAME' replaces it)");
        err.println("start the worker with: " + answer.get("command").asText());
        err.flush();
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a worker; prints its token (shown only this once) as the only line on stdout, and the"
                    + " command that starts the worker on stderr.")
    static final class Add extends JobsCommand.ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The worker's id: letters, digits, _ . - (at most 64).")
        String name;

        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label jobs can require; repeatable.")
        Map<String, String> labels = new LinkedHashMap<>();

        @Option(names = "--type", paramLabel = "TYPE", description = "The worker's type (default: the server's).")
        String type;

        @Option(names = "--json", description = "Print the server's answer as JSON.")
        boolean json;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("labels", labels);
            body.put("worker_type", type);
            JsonNode answer = api().post(WORKERS, body);
            if (json) {
                out().println(Output.json(answer));
                return 0;
            }
            printToken("added worker " + answer.get("worker").get("worker_id").asText(), answer, out(),
                    spec.commandLine().getErr());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List workers, by name.")
    static final class ListWorkers extends JobsCommand.ClientCommand {
        @Option(names = "--status", description = "Only this status: connecting, idle, busy, draining or offline.")
        String status;

        @Option(names = "--json", description = "Print the server's answer as JSON.")
        boolean json;

        @Override
        public Integer call() {
            JsonNode workers = api().get(WORKERS + (status == null ? "" : "?status=" + ApiClient.encode(status)))
                    .get("workers");
            if (json) {
                out().println(Output.json(workers));
                return 0;
            }
            Instant now = Instant.now();
            List<List<String>> rows = new ArrayList<>();
            workers.forEach(w -> rows.add(List.of(w.get("worker_id").asText(), state(w),
                    w.get("gpu_count").asText(), labels(w.get("labels")), Output.cell(w.get("current_job_id")),
                    lastSeen(w.get("last_seen_at"), now))));
            Output.table(out(), List.of("NAME", "STATUS", "GPUS", "LABELS", "JOB", "LAST SEEN"), rows);
            return 0;
        }

        private static String labels(JsonNode labels) {
            List<String> pairs = new ArrayList<>();
            if (labels != null) {
                labels.properties().forEach(l -> pairs.add(l.getKey() + "=" + l.getValue().asText()));
            }
            return pairs.isEmpty() ? "-" : String.join(",", pairs);
        }

        private static String lastSeen(JsonNode at, Instant now) {
            return at == null || at.isNull() ? "-"
                    : JobsCommand.ListJobs.human(Duration.between(Instant.parse(at.asText()), now)) + " ago";
        }
    }

    @Command(name = "drain", mixinStandardHelpOptions = true,
            description = "Drain a worker: it finishes what it runs and takes no new job until undrained.")
    static final class Drain extends JobsCommand.ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            JsonNode worker = api().post(path(name) + "/drain", null);
            out().println("worker " + worker.get("worker_id").asText() + ": " + state(worker));
            return 0;
        }
    }

    @Command(name = "undrain", mixinStandardHelpOptions = true, description = "Let a drained worker take jobs again.")
    static final class Undrain extends JobsCommand.ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            JsonNode worker = api().post(path(name) + "/undrain", null);
            out().println("worker " + worker.get("worker_id").asText() + ": " + state(worker));
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a worker; its token stops working. Refused while it runs a job unless --force.")
    static final class Remove extends JobsCommand.ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--force", description = "Remove it even while it runs a job (the job is requeued).")
        boolean force;

        @Override
        public Integer call() {
            api().delete(path(name) + (force ? "?force=true" : ""));
            out().println("removed worker " + name);
            return 0;
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true,
            description = "Replace a worker's token (the old one stops working at once); prints the new one and the"
                    + " command that starts the worker with it.")
    static final class Token extends JobsCommand.ClientCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            JsonNode answer = api().post(path(name) + "/token", null);
            printToken("worker " + answer.get("worker_id").asText() + " has a new token (the old one no longer works)",
                    answer, out(), spec.commandLine().getErr());
            return 0;
        }
    }
}
