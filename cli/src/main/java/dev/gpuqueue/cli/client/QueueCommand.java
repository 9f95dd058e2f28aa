package dev.gpuqueue.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gpuqueue queue ...}: approve, reject, priority, process, cleanup, concurrency. */
@Command(name = "queue", mixinStandardHelpOptions = true, description = "Administer the queue.",
        subcommands = {QueueCommand.Approve.class, QueueCommand.Reject.class, QueueCommand.Priority.class,
                QueueCommand.Process.class, QueueCommand.Cleanup.class, QueueCommand.Concurrency.class})
public final class QueueCommand {

    @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a blocked job (admin).")
    static final class Approve extends JobsCommand.ClientCommand {
        @Parameters(index = "0", paramLabel = "JOB_ID")
        String jobId;

        @Override
        public Integer call() {
            JsonNode answer = api().post("/api/queue/" + jobId + "/approve", null);
            out().println("job " + jobId + " approved by " + answer.get("approved_by").asText() + "; now "
                    + answer.get("status").asText());
            return 0;
        }
    }

    @Command(name = "reject", mixinStandardHelpOptions = true, description = "Reject a blocked job with a reason (admin).")
    static final class Reject extends JobsCommand.ClientCommand {
        @Parameters(index = "0", paramLabel = "JOB_ID")
        String jobId;

        @Option(names = "--reason", required = true, description = "Why (shown to the submitter).")
        String reason;

        @Override
        public Integer call() {
            api().post("/api/queue/" + jobId + "/reject?reason=" + ApiClient.encode(reason), null);
            out().println("job " + jobId + " rejected: " + reason);
            return 0;
        }
    }

    @Command(name = "priority", mixinStandardHelpOptions = true,
            description = "Set a waiting job's priority override 0..50, or 'none' to clear it (lead, admin).")
    static final class Priority extends JobsCommand.ClientCommand {
        @Parameters(index = "0", paramLabel = "JOB_ID")
        String jobId;

        @Parameters(index = "1", paramLabel = "PRIORITY")
        String priority;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (priority.equalsIgnoreCase("none")) {
                body.put("priority", null);
            } else {
                try {
                    body.put("priority", Integer.parseInt(priority));
                } catch (NumberFormatException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "PRIORITY must be 0..50 or 'none'");
                }
            }
            JsonNode answer = api().post("/api/queue/" + jobId + "/priority", body);
            out().println("job " + jobId + " effective priority " + answer.get("previous_effective_priority").asInt()
                    + " -> " + answer.get("new_effective_priority").asInt());
            return 0;
        }
    }

    @Command(name = "process", mixinStandardHelpOptions = true, description = "Run a scheduling pass now (admin).")
    static final class Process extends JobsCommand.ClientCommand {
        @Override
        public Integer call() {
            JsonNode answer = api().post("/api/queue/process", null);
            List<String> ids = new ArrayList<>();
            answer.get("job_ids").forEach(id -> ids.add(id.asText()));
            out().println("started " + answer.get("dispatched").asInt() + " job(s)" + (ids.isEmpty() ? "" : ": " + String.join(", ", ids)));
            return 0;
        }
    }

    @Command(name = "cleanup", mixinStandardHelpOptions = true,
            description = "Delete finished jobs completed more than DAYS ago, with their logs (admin).")
    static final class Cleanup extends JobsCommand.ClientCommand {
        @Option(names = "--days", defaultValue = "30", description = "1..365 (default: ${DEFAULT-VALUE}).")
        int days;

        @Override
        public Integer call() {
            JsonNode answer = api().post("/api/queue/cleanup?days=" + days, null);
            out().println("deleted " + answer.get("deleted").asInt() + " job(s) completed more than " + days + " days ago");
            return 0;
        }
    }

    @Command(name = "concurrency", mixinStandardHelpOptions = true,
            description = "Show the queue settings, or change them with NAME=VALUE pairs (admin), e.g. max_concurrent=10.")
    static final class Concurrency extends JobsCommand.ClientCommand {
        @Parameters(arity = "0..*", paramLabel = "NAME=VALUE",
                description = "Settings to change; VALUE is a number, true/false, or null (where allowed).")
        Map<String, String> changes = new LinkedHashMap<>();

        @Override
        public Integer call() {
            JsonNode settings = changes.isEmpty() ? api().get("/api/queue/concurrency")
                    : api().post("/api/queue/concurrency", parsed());
            settings.fields().forEachRemaining(f -> out().println(f.getKey() + " = " + Output.cell(f.getValue())));
            out().flush();
            return 0;
        }

        private Map<String, Object> parsed() {
            Map<String, Object> body = new LinkedHashMap<>();
            changes.forEach((name, value) -> body.put(name, switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "null" -> null;
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                default -> number(name, value.strip());
            }));
            return body;
        }

        private Object number(String name, String value) {
            try {
                return value.contains(".") ? (Object) Double.parseDouble(value) : (Object) Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), name + ": '" + value
                        + "' is not a number, true, false or null");
            }
        }
    }
}
