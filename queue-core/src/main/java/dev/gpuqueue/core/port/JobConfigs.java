package dev.gpuqueue.core.port;

import dev.gpuqueue.core.error.ConfigNotFoundException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.JobSpec;
import java.util.Map;
import java.util.regex.Pattern;

/** Named job configs, resolved to a {@link JobSpec} at submit. Implementations are thread-safe. */
public interface JobConfigs {
    Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    /**
     * The config named {@code name}, resolved.
     *
     * @throws ValidationException for a malformed name or an invalid config
     * @throws ConfigNotFoundException when no config has that name
     */
    JobSpec resolve(String name);

    /** Throws {@link ValidationException} unless {@code name} is a safe config name (no path, no dots only). */
    static String checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new ValidationException("config_name is required");
        }
        if (!NAME.matcher(name).matches() || name.chars().allMatch(c -> c == '.')) {
            throw new ValidationException("invalid config_name '" + name
                    + "': use 1 to 128 letters, digits, '.', '_' or '-' (no paths)");
        }
        return name;
    }

    /** Configs held in a map (embedding, tests). */
    static JobConfigs of(Map<String, JobSpec> configs) {
        Map<String, JobSpec> copy = Map.copyOf(configs);
        return name -> {
            checkName(name);
            JobSpec spec = copy.get(name);
            if (spec == null) {
                throw new ConfigNotFoundException(name, null);
            }
            return spec;
        };
    }
}
