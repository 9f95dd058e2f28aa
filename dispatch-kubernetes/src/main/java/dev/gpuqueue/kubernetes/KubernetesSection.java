package dev.gpuqueue.kubernetes;

import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.JobSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code kubernetes} section of a job's config, checked: the container image (required), the
 * namespace (else the server's), the Kueue queue, extra resource limits, a node selector and a
 * service account. Refusals name the field and what it allows. Immutable.
 */
record KubernetesSection(String image, String namespace, String queueName, Map<String, String> resources,
        Map<String, String> nodeSelector, String serviceAccount) {

    static final List<String> FIELDS = List.of("image", "namespace", "queue_name", "resources", "node_selector",
            "service_account");
    static final String GPU_RESOURCE = "nvidia.com/gpu";

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
    private static final Pattern QUALIFIED_NAME =
            Pattern.compile("([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern QUANTITY = Pattern.compile("[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|[numkMGTPE]i?|Ki)?");

    KubernetesSection {
        resources = Map.copyOf(resources);
        nodeSelector = Map.copyOf(nodeSelector);
    }

    /**
     * The section of {@code spec}, checked, with what the rest of the spec must be for a cluster job.
     *
     * @throws ValidationException naming what to fix
     */
    static KubernetesSection of(JobSpec spec) {
        Map<String, Object> section = spec.kubernetes();
        if (section == null || section.get("image") == null) {
            throw new ValidationException("kubernetes.image is required for \"runner\": \"kubernetes\": the container"
                    + " image the job runs, e.g. \"kubernetes\": {\"image\": \"pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime\"}");
        }
        List<String> unknown = section.keySet().stream().filter(name -> !FIELDS.contains(name)).toList();
        if (!unknown.isEmpty()) {
            throw new ValidationException("unknown kubernetes field" + (unknown.size() > 1 ? "s " : " ") + unknown
                    + "; allowed: " + String.join(", ", FIELDS));
        }
        if (!spec.deviceIds().isEmpty()) {
            throw new ValidationException("device_ids name this machine's GPUs; a kubernetes job gets num_processes"
                    + " GPUs (nvidia.com/gpu) from the cluster, so leave device_ids out");
        }
        String image = string(section, "image");
        if (image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
            throw new ValidationException("kubernetes.image must be an image reference without spaces");
        }
        return new KubernetesSection(image,
                matching(section, "namespace", DNS_LABEL, "a namespace name (lowercase letters, digits and '-')"),
                matching(section, "queue_name", LABEL_VALUE, "a Kueue LocalQueue name (a label value)"),
                resources(section),
                nodeSelector(section),
                matching(section, "service_account", DNS_SUBDOMAIN, "a service account name"));
    }

    /** The namespace the job's Jobs live in: its own, else {@code serverDefault}. */
    String namespaceOr(String serverDefault) {
        return namespace != null ? namespace : serverDefault;
    }

    private static String string(Map<String, Object> section, String field) {
        Object value = section.get(field);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw new ValidationException("kubernetes." + field + " must be a string");
    }

    private static String matching(Map<String, Object> section, String field, Pattern pattern, String what) {
        String value = string(section, field);
        if (value != null && !pattern.matcher(value).matches()) {
            throw new ValidationException("kubernetes." + field + " must be " + what);
        }
        return value;
    }

    private static Map<String, String> resources(Map<String, Object> section) {
        Map<String, String> limits = new LinkedHashMap<>();
        objectOf(section, "resources", "resource names and quantities, e.g. {\"memory\": \"64Gi\", \"cpu\": \"8\"}")
                .forEach((name, value) -> {
                    if (name.equals(GPU_RESOURCE)) {
                        throw new ValidationException("kubernetes.resources must not set " + GPU_RESOURCE
                                + ": the job gets num_processes GPUs");
                    }
                    String quantity = value instanceof Number number ? number.toString() : value instanceof String s ? s : null;
                    if (!QUALIFIED_NAME.matcher(name).matches() || quantity == null
                            || !QUANTITY.matcher(quantity).matches()) {
                        throw new ValidationException("kubernetes.resources." + name + " must be a resource quantity"
                                + " such as \"64Gi\", \"500m\" or 8");
                    }
                    limits.put(name, quantity);
                });
        return limits;
    }

    private static Map<String, String> nodeSelector(Map<String, Object> section) {
        Map<String, String> selector = new LinkedHashMap<>();
        objectOf(section, "node_selector", "node label names and values, e.g. {\"gpu\": \"a100\"}").forEach((name, value) -> {
            if (!(value instanceof String text) || !QUALIFIED_NAME.matcher(name).matches()
                    || !LABEL_VALUE.matcher(text).matches()) {
                throw new ValidationException("kubernetes.node_selector." + name + " must be a node label and a string"
                        + " label value");
            }
            selector.put(name, text);
        });
        return selector;
    }

    private static Map<String, Object> objectOf(Map<String, Object> section, String field, String what) {
        Object value = section.get(field);
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new ValidationException("kubernetes." + field + " must be an object of " + what);
        }
        Map<String, Object> entries = new LinkedHashMap<>();
        map.forEach((name, item) -> entries.put(String.valueOf(name), item));
        return entries;
    }
}
