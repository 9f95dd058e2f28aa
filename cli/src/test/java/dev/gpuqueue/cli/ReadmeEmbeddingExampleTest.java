package dev.gpuqueue.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's embedding example compiles and runs as written. */
class ReadmeEmbeddingExampleTest {
    @TempDir
    Path dir;

    @Test
    void theEmbeddingExampleCompilesAndRunsAJobToCompletion() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        int start = readme.indexOf("<!-- embedding-example:start -->");
        int end = readme.indexOf("<!-- embedding-example:end -->");
        assertThat(start).isPositive();
        String block = readme.substring(start, end);
        String source = block.substring(block.indexOf("```java") + "```java".length(), block.lastIndexOf("```"));
        Path file = dir.resolve("EmbeddedTrainer.java");
        Files.writeString(file, source);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int compiled = javac.run(null, null, diagnostics, "-classpath", System.getProperty("java.class.path"),
                "-d", dir.toString(), file.toString());
        assertThat(compiled).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();

        PrintStream original = System.out;
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(output, true, StandardCharsets.UTF_8));
            Method main = loader.loadClass("EmbeddedTrainer").getMethod("main", String[].class);
            main.invoke(null, (Object) new String[] {dir.resolve("state").toString()});
        } finally {
            System.setOut(original);
        }
        List<String> lines = output.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).anyMatch(l -> l.matches("submitted [0-9a-z]{16}: running on GPUs \\[0, 1]"));
        assertThat(lines).contains("training finetune on GPUs [0, 1]", "finished: completed");
        assertThat(dir.resolve("state/jobs.db")).exists();
    }
}
