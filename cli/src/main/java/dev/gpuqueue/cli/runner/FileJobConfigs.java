package dev.gpuqueue.cli.runner;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.gpuqueue.core.error.ConfigNotFoundException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.port.JobConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Job configs as files: {@code <configs-dir>/<name>.json}, resolved inside that directory only and
 * read fresh at each submit. A config holds {@code command} (argv, required) and optionally
 * {@code num_processes, device_ids, env, working_dir, estimated_cost, max_attempts,
 * max_runtime_seconds, run_name}; anything else is refused. Thread-safe.
 */
public final class FileJobConfigs implements JobConfigs {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private final Path dir;

    public FileJobConfigs(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path dir() {
        return dir;
    }

    /** The file's shape. */
    record ConfigFile(
            @JsonProperty("command") List<String> command,
            @JsonProperty("num_processes") Integer numProcesses,
            @JsonProperty("device_ids") List<Integer> deviceIds,
            @JsonProperty("env") Map<String, String> env,
            @JsonProperty("working_dir") String workingDir,
            @JsonProperty("estimated_cost") Double estimatedCost,
            @JsonProperty("max_attempts") Integer maxAttempts,
            @JsonProperty("max_runtime_seconds") Long maxRuntimeSeconds,
            @JsonProperty("run_name") String runName) {}

    @Override
    public JobSpec resolve(String name) {
        JobConfigs.checkName(name);
        Path file = dir.resolve(name + ".json").normalize();
        if (!file.getParent().equals(dir)) {
            throw new ValidationException("invalid config_name '" + name + "': configs live directly in " + dir);
        }
        if (!Files.isRegularFile(file)) {
            throw new ConfigNotFoundException(name, dir.toString());
        }
        ConfigFile config;
        try {
            config = MAPPER.readValue(file.toFile(), ConfigFile.class);
        } catch (JsonMappingException e) {
            String field = e.getPath().stream().map(r -> r.getFieldName() == null ? "[" + r.getIndex() + "]" : r.getFieldName())
                    .collect(Collectors.joining("."));
            throw new ValidationException("config '" + name + "' (" + file + ") is invalid"
                    + (field.isEmpty() ? "" : " at '" + field + "'") + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new ValidationException("config '" + name + "' (" + file + ") is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ValidationException("config '" + name + "' (" + file + ") cannot be read: " + e.getMessage());
        }
        if (config == null || config.command() == null || config.command().isEmpty()) {
            throw new ValidationException("config '" + name + "' needs a non-empty \"command\" list, e.g. [\"python\", \"train.py\"]");
        }
        try {
            JobSpec.Builder spec = JobSpec.builder().command(config.command());
            if (config.numProcesses() != null) {
                spec.numProcesses(config.numProcesses());
            }
            if (config.deviceIds() != null) {
                spec.deviceIds(config.deviceIds());
            }
            if (config.env() != null) {
                spec.env(config.env());
            }
            if (config.estimatedCost() != null) {
                spec.estimatedCost(config.estimatedCost());
            }
            if (config.maxAttempts() != null) {
                spec.maxAttempts(config.maxAttempts());
            }
            return spec.workingDir(config.workingDir()).maxRuntimeSeconds(config.maxRuntimeSeconds())
                    .runName(config.runName()).build();
        } catch (ValidationException e) {
            throw new ValidationException("config '" + name + "': " + e.getMessage());
        } catch (NullPointerException e) {
            throw new ValidationException("config '" + name + "': lists and maps must not contain null");
        }
    }
}
