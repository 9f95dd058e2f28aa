package dev.gpuqueue.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/**
 * Runs {@code gpuqueue args...} in-process as a user would type them against a server, capturing
 * what it prints: client commands get {@code --url} unless they name one (or ask for help).
 */
final class CliRun {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CLIENT_COMMANDS = List.of("jobs", "queue", "gpus", "workers");

    private CliRun() {}

    /** A command's exit code, output (as text and as the exact bytes) and error output. */
    record Result(int exit, String out, String err, byte[] outBytes) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + out, e);
            }
        }
    }

    /** Runs {@code args} against {@code url}, answering prompts with {@code input}. */
    static Result execute(String url, String input, String... args) {
        List<String> argv = new ArrayList<>(Arrays.asList(args));
        if (!argv.isEmpty() && CLIENT_COMMANDS.contains(argv.get(0)) && !argv.contains("--url") && !argv.contains("--help")) {
            argv.add("--url");
            argv.add(url);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CommandLine cli = GpuqueueCommand.commandLine(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out);
        cli.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(argv.toArray(String[]::new));
        cli.getOut().flush();
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(), out.toByteArray());
    }
}
