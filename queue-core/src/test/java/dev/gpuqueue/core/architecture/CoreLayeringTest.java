package dev.gpuqueue.core.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layers inside queue-core: model ← policy ← service ← worker (remote workers), ports speak the model only, errors stand
 * beside the model, the in-memory adapters implement ports. A package may use only the packages
 * listed for it (and the JDK); {@code dev.gpuqueue.core} itself (the builder, the lifecycle) may use
 * all of them.
 */
class CoreLayeringTest {
    private static final Path CORE = Path.of("src/main/java/dev/gpuqueue/core");
    private static final Pattern USE = Pattern.compile("\\bdev\\.gpuqueue\\.core\\.(\\w+)\\.");

    static final Map<String, Set<String>> ALLOWED = Map.of(
            "model", Set.of("model", "error"),
            "error", Set.of("error", "model"),
            "policy", Set.of("policy", "model", "error"),
            "port", Set.of("port", "model", "error"),
            "service", Set.of("service", "policy", "port", "model", "error"),
            "worker", Set.of("worker", "service", "policy", "port", "model", "error"),
            "memory", Set.of("memory", "port", "policy", "model", "error"));

    @Test
    void eachPackageUsesOnlyTheLayersBelowIt() {
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, Set<String>> layer : ALLOWED.entrySet()) {
            for (Path source : sources(CORE.resolve(layer.getKey()))) {
                violations.addAll(violations(source, layer.getKey(), layer.getValue()));
            }
        }
        assertThat(sources(CORE.resolve("service"))).as("sources found (run from the module directory)").isNotEmpty();
        assertThat(violations).isEmpty();
    }

    @Test
    void theRuleWouldCatchAPortThatUsesAService() throws IOException {
        Path source = Files.createTempFile("Port", ".java");
        try {
            Files.writeString(source, "package dev.gpuqueue.core.port;\nimport dev.gpuqueue.core.service.Scheduler;\n"
                    + "import dev.gpuqueue.core.model.Job;\n/** Uses {@link dev.gpuqueue.core.policy.Aging}. */\n");
            assertThat(violations(source, "port", ALLOWED.get("port")))
                    .containsExactly(source.getFileName() + " (port) uses service");
        } finally {
            Files.delete(source);
        }
    }

    /** Uses in code, imports included; a use named only in a Javadoc comment does not count. */
    private static List<String> violations(Path source, String layer, Set<String> allowed) {
        String code;
        try {
            code = Files.readString(source).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> found = new ArrayList<>();
        Matcher use = USE.matcher(code);
        while (use.find()) {
            String used = use.group(1);
            String violation = source.getFileName() + " (" + layer + ") uses " + used;
            if (!allowed.contains(used) && !found.contains(violation)) {
                found.add(violation);
            }
        }
        return found;
    }

    private static List<Path> sources(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
