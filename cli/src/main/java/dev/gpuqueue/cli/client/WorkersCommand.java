package dev.gpuqueue.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
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
    private static void printToken(JsonNode answer, PrintWriter out) {
        out.println("token: " + answer.get("token").asText());
        out.println("(shown only this once: keep it now; 'gpuqueue workers token NAME' replaces it)");
        out.println("start the worker with:");
        out.println(answer.get("command").asText());
        out.flush();
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a worker; prints its token (shown only this once) and the command that starts it.")
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
            out().println("worker " + answer.get("worker").get("worker_id").asText() + " added");
            printToken(answer, out());
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
        private static final ObjectMapper JSON = new ObjectMapper();
        private static final int TIMEOUT_MILLIS = 30_000;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--force", description = "Remove it even while it runs a job (the job is requeued).")
        boolean force;

        @Override
        public Integer call() {
            delete(path(name) + (force ? "?force=true" : ""));
            out().println("removed worker " + name);
            return 0;
        }

        /**
         * A DELETE, which {@link ApiClient} does not offer (yet): the same bearer token, and the same
         * one-line errors ({@code detail (HTTP status)}, or the server cannot be reached).
         */
        private void delete(String path) {
            ApiClient api = api();
            try {
                HttpURLConnection connection = (HttpURLConnection) URI.create(api.base() + path).toURL().openConnection();
                connection.setConnectTimeout(TIMEOUT_MILLIS);
                connection.setReadTimeout(TIMEOUT_MILLIS);
                connection.setRequestMethod("DELETE");
                if (options.token != null && !options.token.isBlank()) {
                    connection.setRequestProperty("Authorization", "Bearer " + options.token.strip());
                }
                int status = connection.getResponseCode();
                InputStream stream = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
                byte[] answer;
                try (InputStream in = stream == null ? InputStream.nullInputStream() : stream) {
                    answer = in.readAllBytes();
                }
                if (status >= 300) {
                    throw new ClientException(detail(status, answer));
                }
            } catch (ConnectException e) {
                throw new ClientException("cannot reach the gpuqueue server at " + api.base() + " (connection refused);"
                        + " is it running? (set --url or GPUQUEUE_URL)");
            } catch (SocketTimeoutException e) {
                throw new ClientException("the gpuqueue server at " + api.base() + " did not answer in time");
            } catch (IOException e) {
                throw new ClientException("cannot reach the gpuqueue server at " + api.base() + ": " + e.getMessage());
            }
        }

        private static String detail(int status, byte[] body) {
            try {
                JsonNode error = body.length == 0 ? null : JSON.readTree(body);
                if (error != null && error.hasNonNull("detail")) {
                    return error.get("detail").asText() + " (HTTP " + status + ")";
                }
            } catch (IOException notJson) {
                // fall through
            }
            return "the server answered HTTP " + status;
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
            out().println("worker " + answer.get("worker_id").asText() + " has a new token; the old one no longer works");
            printToken(answer, out());
            return 0;
        }
    }
}
