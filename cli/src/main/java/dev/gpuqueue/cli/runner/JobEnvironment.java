package dev.gpuqueue.cli.runner;

import dev.gpuqueue.core.model.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * A job's environment (SPEC §14): from the server's own only the allowlisted names ({@code PATH,
 * HOME, USER, LOGNAME, SHELL, LANG, LC_*, TZ, TMPDIR, CUDA_*, NVIDIA_*}) and those given with
 * {@code --pass-env} (a name, or a prefix ending in {@code *}), so no server secret reaches a job;
 * then the job user's identity, when jobs run as another user; then the config's {@code env}
 * (never a {@code GPUQUEUE_} name); then the variables of SPEC §4. Immutable.
 */
final class JobEnvironment {
    static final List<String> ALLOWED = List.of("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_*", "TZ",
            "TMPDIR", "CUDA_*", "NVIDIA_*");

    private final Map<String, String> base;

    /**
     * @param serverEnvironment the server's environment
     * @param passEnv further names (or {@code PREFIX*} patterns) to pass on
     * @param jobUser the user jobs run as, or null for the server's own
     */
    JobEnvironment(Map<String, String> serverEnvironment, List<String> passEnv, JobUser jobUser) {
        List<String> patterns = new ArrayList<>(ALLOWED);
        patterns.addAll(passEnv);
        Map<String, String> kept = new TreeMap<>();
        serverEnvironment.forEach((name, value) -> {
            if (!Job.isQueueVariable(name) && patterns.stream().anyMatch(p -> matches(p, name))) {
                kept.put(name, value);
            }
        });
        if (jobUser != null) {
            kept.put("HOME", jobUser.home());
            kept.put("USER", jobUser.name());
            kept.put("LOGNAME", jobUser.name());
            kept.put("SHELL", jobUser.usableShell());
        }
        this.base = Map.copyOf(kept);
    }

    /**
     * The environment of {@code job}'s attempt; {@code visibleDevice} names each allocated GPU in
     * {@code CUDA_VISIBLE_DEVICES} (its index, or its UUID where the index may not match CUDA's).
     */
    Map<String, String> of(Job job, IntFunction<String> visibleDevice) {
        Map<String, String> env = new TreeMap<>(base);
        job.spec().env().forEach((name, value) -> {
            if (!Job.isQueueVariable(name)) {
                env.put(name, value);
            }
        });
        env.put("CUDA_DEVICE_ORDER", "PCI_BUS_ID");
        env.put("CUDA_VISIBLE_DEVICES", job.allocatedGpus().stream().map(visibleDevice::apply)
                .collect(Collectors.joining(",")));
        env.putAll(job.queueVariables());
        return env;
    }

    private static boolean matches(String pattern, String name) {
        return pattern.endsWith("*") ? name.startsWith(pattern.substring(0, pattern.length() - 1)) : pattern.equals(name);
    }
}
