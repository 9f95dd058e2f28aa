package dev.gpuqueue.core.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The hexagon's inner rule: queue-core's main code depends on the JDK and on itself, nothing else. */
class CoreDependencyRuleTest {
    private static final Path MAIN_SOURCES = Path.of("src/main/java");
    private static final Pattern IMPORT = Pattern.compile("^\\s*import\\s+(?:static\\s+)?([\\w.]+)", Pattern.MULTILINE);
    private static final Pattern QUALIFIED_USE =
            Pattern.compile("\\b(?!java\\.|dev\\.gpuqueue\\.core\\.)(?:com|org|net|io|jakarta|javax|dev)\\.[a-z]\\w*\\.");

    @Test
    void coreImportsOnlyJavaAndItsOwnPackages() throws IOException {
        List<String> violations = new ArrayList<>();
        List<Path> sources = javaSources();
        for (Path source : sources) {
            String text = Files.readString(source);
            Matcher imports = IMPORT.matcher(text);
            while (imports.find()) {
                String imported = imports.group(1);
                if (!imported.startsWith("java.") && !imported.startsWith("dev.gpuqueue.core.")) {
                    violations.add(MAIN_SOURCES.relativize(source) + " imports " + imported);
                }
            }
            Matcher qualified = QUALIFIED_USE.matcher(text.replaceAll("(?m)^\\s*(package|import)\\s.*$", ""));
            while (qualified.find()) {
                violations.add(MAIN_SOURCES.relativize(source) + " uses " + qualified.group());
            }
        }

        assertThat(sources).as("main sources found (run from the module directory)").hasSizeGreaterThan(10);
        assertThat(violations).isEmpty();
    }

    @Test
    void theRuleWouldCatchAForeignImport() {
        Matcher matcher = IMPORT.matcher("package x;\nimport org.slf4j.Logger;\nimport static java.util.Objects.hash;\n");
        List<String> found = new ArrayList<>();
        while (matcher.find()) {
            found.add(matcher.group(1));
        }
        assertThat(found).containsExactly("org.slf4j.Logger", "java.util.Objects.hash");
        assertThat(QUALIFIED_USE.matcher("var m = new com.fasterxml.jackson.databind.ObjectMapper();").find()).isTrue();
        assertThat(QUALIFIED_USE.matcher("var s = new java.util.ArrayList<>();").find()).isFalse();
    }

    private static List<Path> javaSources() {
        try (Stream<Path> files = Files.walk(MAIN_SOURCES)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
