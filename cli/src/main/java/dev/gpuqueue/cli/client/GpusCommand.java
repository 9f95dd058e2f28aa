package dev.gpuqueue.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code gpuqueue gpus}: the server's GPUs, their use and which job holds each. */
@Command(name = "gpus", mixinStandardHelpOptions = true, description = "The server's GPUs and which job holds each.")
public final class GpusCommand extends JobsCommand.ClientCommand {
    @Override
    public Integer call() {
        JsonNode status = api().get("/api/system/status?include_allocation=true");
        Map<Integer, String> holders = new HashMap<>();
        status.get("gpu_allocation").get("devices").forEach(d -> holders.put(d.get("index").asInt(), Output.cell(d.get("job_id"))));
        List<List<String>> rows = new ArrayList<>();
        status.get("gpus").forEach(g -> rows.add(List.of(g.get("index").asText(), g.get("name").asText(),
                g.get("memory_used_mb").asText() + "/" + g.get("memory_total_mb").asText() + " MiB",
                Output.cell(g.get("utilization_percent")), holders.getOrDefault(g.get("index").asInt(), "-"))));
        out().println("backend " + status.get("gpu_inventory").get("backend").asText() + ", "
                + status.get("gpu_inventory").get("count").asInt() + " GPU(s)");
        Output.table(out(), List.of("INDEX", "NAME", "MEMORY", "UTIL%", "JOB"), rows);
        return 0;
    }
}
