package dev.gpuqueue.core.error;

/** No job config has this name. */
public final class ConfigNotFoundException extends NotFoundException {
    private static final long serialVersionUID = 1L;

    private final String configName;

    public ConfigNotFoundException(String configName, String where) {
        super("no job config named '" + configName + "'" + (where == null ? "" : " in " + where));
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }
}
