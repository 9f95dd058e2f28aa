package dev.gpuqueue.cli.runner;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.gpuqueue.core.error.ConfigNotFoundException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.port.JobConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Job configs as files: {@code <configs-dir>/<name>.json}, resolved inside that directory only and
 * read fresh at each submit. A config is a spec in its one wire shape ({@link JobSpec#fromMap}):
 * {@code command} (argv, required) and optionally {@code num_processes, device_ids, env, working_dir,
 * estimated_cost, max_attempts, max_runtime_seconds, run_name}; anything else is refused.
 * Thread-safe.
 */
public final class FileJobConfigs implements JobConfigs {
    private static final System.Logger LOG = System.getLogger(FileJobConfigs.class.getName());
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final TypeReference<Map<String, Object>> FIELDS = new TypeReference<>() {};

    private final Path dir;
    private final Path stateDir;

    /** Configs in {@code dir}; a {@code working_dir} inside {@code stateDir} (the server's state) is refused. */
    public FileJobConfigs(Path dir, Path stateDir) {
        this.dir = dir.toAbsolutePath().normalize();
        this.stateDir = stateDir;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public JobSpec resolve(String name) {
        JobConfigs.checkName(name);
        String shown = "configs/" + name + ".json";
        Path file = dir.resolve(name + ".json").normalize();
        if (!file.getParent().equals(dir)) {
            throw new ValidationException("invalid config_name '" + name + "': configs live directly in the configs directory");
        }
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new ConfigNotFoundException(name, null);
        }
        Path real = realPathInside(file, name, shown);
        Map<String, Object> fields;
        try {
            fields = MAPPER.readValue(real.toFile(), FIELDS);
        } catch (JsonMappingException e) {
            if (isEmpty(e)) {
                throw new ValidationException("config '" + name + "' (" + shown + ") is empty");
            }
            throw new ValidationException("config '" + name + "' (" + shown + ") must hold one JSON object with the"
                    + " config's fields" + where(e));
        } catch (JsonProcessingException e) {
            String what = e instanceof InputCoercionException ? " has a number out of range"
                    : e.getOriginalMessage().startsWith("Duplicate field") ? " has a key twice" : " is not valid JSON";
            throw new ValidationException("config '" + name + "' (" + shown + ")" + what + where(e));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Cannot read config {0}: {1}", real, e.getMessage());
            throw new ValidationException("config '" + name + "' (" + shown + ") cannot be read");
        }
        if (fields == null || !(fields.get("command") instanceof List<?> command) || command.isEmpty()) {
            throw new ValidationException("config '" + name + "' (" + shown + ") needs a non-empty \"command\" list,"
                    + " e.g. [\"python\", \"train.py\"]");
        }
        try {
            JobSpec spec = JobSpec.fromMap(fields);
            checkWorkingDir(spec.workingDir());
            return spec;
        } catch (ValidationException e) {
            throw new ValidationException("config '" + name + "' (" + shown + "): " + e.getMessage());
        }
    }

    /**
     * The config file's real path, which must lie in the configs directory: a link pointing
     * elsewhere is refused (its target is not named).
     */
    private Path realPathInside(Path file, String name, String shown) {
        Path real;
        try {
            real = file.toRealPath();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "Config {0} cannot be resolved: {1}", file, e.toString());
            throw new ValidationException("config '" + name + "' (" + shown + ") cannot be resolved (a link that"
                    + " leads nowhere, or in a loop)");
        }
        if (!real.getParent().equals(realDir())) {
            LOG.log(System.Logger.Level.WARNING, "Config {0} points outside the configs directory, to {1}", file, real);
            throw new ValidationException("config '" + name + "' (" + shown + ") is a link to a file outside the"
                    + " configs directory; configs must be regular files in it");
        }
        if (!Files.isRegularFile(real)) {
            throw new ValidationException("config '" + name + "' (" + shown + ") is not a regular file");
        }
        return real;
    }

    private Path realDir() {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            return dir;
        }
    }

    private static boolean isEmpty(JsonMappingException e) {
        return String.valueOf(e.getOriginalMessage()).startsWith("No content to map");
    }

    private static String where(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        return at == null || at.getLineNr() < 0 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

    private void checkWorkingDir(String workingDir) {
        if (workingDir != null && !Path.of(workingDir).isAbsolute()) {
            throw new ValidationException("working_dir must be an absolute path (got " + workingDir + ")");
        }
        if (workingDir != null && JobWorkspaces.inside(stateDir, Path.of(workingDir))) {
            throw new ValidationException("working_dir " + workingDir + " is inside the server's state directory;"
                    + " jobs never run there");
        }
    }
}
