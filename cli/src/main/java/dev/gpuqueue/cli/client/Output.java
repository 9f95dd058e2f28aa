package dev.gpuqueue.cli.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Tables and JSON for command output, and dot-notation field selection ({@code metadata.run_name}). Stateless. */
public final class Output {
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Output() {}

    /** The value at {@code path} (dots go into nested objects), or a JSON null when any part is missing. */
    public static JsonNode at(JsonNode node, String path) {
        JsonNode current = node;
        for (String part : path.split("\\.")) {
            if (current == null || !current.isObject() || !current.has(part)) {
                return JsonNodeFactory.instance.nullNode();
            }
            current = current.get(part);
        }
        return current;
    }

    /** Objects with exactly {@code fields} as flat keys (e.g. {@code "metadata.run_name"}). */
    public static List<JsonNode> select(JsonNode items, List<String> fields) {
        List<JsonNode> rows = new ArrayList<>();
        for (JsonNode item : items) {
            ObjectNode row = JsonNodeFactory.instance.objectNode();
            fields.forEach(f -> row.set(f, at(item, f)));
            rows.add(row);
        }
        return rows;
    }

    public static String json(Object value) {
        try {
            return PRETTY.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A cell's text: strings as they are, null as "-", anything else as compact JSON. */
    public static String cell(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return "-";
        }
        return value.isTextual() ? value.asText() : value.toString();
    }

    /** Prints an aligned table with a header row. */
    public static void table(PrintWriter out, List<String> headers, List<List<String>> rows) {
        int[] widths = new int[headers.size()];
        for (int c = 0; c < headers.size(); c++) {
            widths[c] = headers.get(c).length();
            for (List<String> row : rows) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        printRow(out, headers, widths);
        for (List<String> row : rows) {
            printRow(out, row, widths);
        }
        out.flush();
    }

    private static void printRow(PrintWriter out, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            line.append(c == cells.size() - 1 ? cells.get(c) : String.format("%-" + widths[c] + "s  ", cells.get(c)));
        }
        out.println(line.toString().stripTrailing());
    }
}
