package dev.gpuqueue.cli.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.ConfigNotFoundException;
import dev.gpuqueue.core.error.ValidationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config files: resolved inside the configs directory only, errors that never quote a file or name a server path. */
class FileJobConfigsTest {
    @TempDir
    Path home;

    @TempDir
    Path elsewhere;

    private Path configs;
    private FileJobConfigs files;

    @BeforeEach
    void configs() throws Exception {
        configs = Files.createDirectories(home.resolve("configs"));
        files = new FileJobConfigs(configs, home);
    }

    @Test
    void aLinkToAFileOutsideTheConfigsDirectoryIsRefusedWithoutNamingItsTarget() throws Exception {
        Path outside = Files.writeString(elsewhere.resolve("secret.json"), "{\"command\": [\"sh\"]}");
        Files.createSymbolicLink(configs.resolve("link.json"), outside);
        Files.createSymbolicLink(configs.resolve("passwd.json"), Path.of("/etc/passwd"));

        assertThatThrownBy(() -> files.resolve("link")).isInstanceOf(ValidationException.class)
                .hasMessage("config 'link' (configs/link.json) is a link to a file outside the configs directory;"
                        + " configs must be regular files in it");
        assertThatThrownBy(() -> files.resolve("passwd")).isInstanceOf(ValidationException.class)
                .hasMessageNotContaining("root").hasMessageNotContaining("/etc");
    }

    @Test
    void aLinkWithinTheConfigsDirectoryWorks() throws Exception {
        Files.writeString(configs.resolve("real.json"), "{\"command\": [\"train\"]}");
        Files.createSymbolicLink(configs.resolve("alias.json"), configs.resolve("real.json"));

        assertThat(files.resolve("alias").command()).isEqualTo(List.of("train"));
    }

    @Test
    void errorsNeverQuoteTheFilesContentNorNameAbsolutePaths() throws Exception {
        Files.writeString(configs.resolve("text.json"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(configs.resolve("wrong.json"), "{\"command\": \"hunter2\"}");
        Files.writeString(configs.resolve("extra.json"), "{\"command\": [\"a\"], \"password\": \"hunter2\"}");

        for (String name : List.of("text", "wrong", "extra")) {
            assertThatThrownBy(() -> files.resolve(name)).as(name).isInstanceOf(ValidationException.class)
                    .hasMessageContaining("configs/" + name + ".json")
                    .hasMessageNotContaining("root").hasMessageNotContaining("hunter2")
                    .hasMessageNotContaining(home.toString());
        }
        assertThatThrownBy(() -> files.resolve("text")).hasMessageContaining("is not valid JSON (line 1, column");
        assertThatThrownBy(() -> files.resolve("missing")).isInstanceOf(ConfigNotFoundException.class)
                .hasMessage("no job config named 'missing'");
    }

    @Test
    void aWorkingDirectoryInsideTheStateDirectoryIsRefused() throws Exception {
        Files.writeString(configs.resolve("inside.json"), "{\"command\": [\"a\"], \"working_dir\": \"" + home + "/logs\"}");
        Files.writeString(configs.resolve("outside.json"), "{\"command\": [\"a\"], \"working_dir\": \"" + elsewhere + "\"}");

        assertThatThrownBy(() -> files.resolve("inside")).isInstanceOf(ValidationException.class)
                .hasMessageContaining("is inside the server's state directory");
        assertThat(files.resolve("outside").workingDir()).isEqualTo(elsewhere.toString());
    }

    @Test
    void configsAreReadStrictlyWithMessagesThatSayWhatIsWrong() throws Exception {
        Files.writeString(configs.resolve("twice.json"), "{\"command\": [\"a\"], \"num_processes\": 1, \"num_processes\": 2}");
        Files.writeString(configs.resolve("trailing.json"), "{\"command\": [\"a\"]} garbage");
        Files.writeString(configs.resolve("half.json"), "{\"command\": [\"a\"], \"num_processes\": 1.5}");
        Files.writeString(configs.resolve("empty.json"), "");
        Files.writeString(configs.resolve("forever.json"), "{\"command\": [\"a\"], \"max_runtime_seconds\": 9223372036854775807}");
        Files.writeString(configs.resolve("notalist.json"), "{\"command\": \"a\"}");
        Files.writeString(configs.resolve("unknown.json"), "{\"command\": [\"a\"], \"gpus\": 2}");
        Files.writeString(configs.resolve("badenv.json"), "{\"command\": [\"a\"], \"env\": {\"A\": 1}}");
        Files.writeString(configs.resolve("array.json"), "[1, 2]");
        Files.writeString(configs.resolve("relative.json"), "{\"command\": [\"a\"], \"working_dir\": \"data\"}");
        Files.createDirectory(configs.resolve("adir.json"));
        Files.createSymbolicLink(configs.resolve("loop.json"), configs.resolve("loop.json"));

        assertThatThrownBy(() -> files.resolve("twice")).hasMessage("config 'twice' (configs/twice.json) has a key twice"
                + " (line 1, column 55)");
        assertThatThrownBy(() -> files.resolve("trailing")).hasMessageContaining("is not valid JSON");
        assertThatThrownBy(() -> files.resolve("half"))
                .hasMessage("config 'half' (configs/half.json): num_processes must be a whole number between 1 and 1024");
        assertThatThrownBy(() -> files.resolve("empty")).hasMessage("config 'empty' (configs/empty.json) is empty");
        assertThatThrownBy(() -> files.resolve("forever")).hasMessageContaining("max_runtime_seconds must be a whole number between 1 and");
        assertThatThrownBy(() -> files.resolve("notalist")).hasMessageContaining("needs a non-empty \"command\" list");
        assertThatThrownBy(() -> files.resolve("unknown")).hasMessage("config 'unknown' (configs/unknown.json): unknown"
                + " field [gpus]; allowed:"
                + " command, num_processes, device_ids, env, working_dir, estimated_cost, max_attempts,"
                + " max_runtime_seconds, run_name, runner, kubernetes");
        assertThatThrownBy(() -> files.resolve("badenv")).hasMessage("config 'badenv' (configs/badenv.json): env must be"
                + " an object of strings (A is not a string)");
        assertThatThrownBy(() -> files.resolve("array")).hasMessageContaining("must hold one JSON object");
        assertThatThrownBy(() -> files.resolve("relative")).hasMessageContaining("working_dir must be an absolute path");
        assertThatThrownBy(() -> files.resolve("adir")).hasMessageContaining("is not a regular file");
        assertThatThrownBy(() -> files.resolve("loop")).hasMessageContaining("cannot be resolved");
    }
}
