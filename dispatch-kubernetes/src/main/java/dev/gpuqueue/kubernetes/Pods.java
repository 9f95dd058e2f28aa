package dev.gpuqueue.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.Optional;

/** What a pod's status says that gpuqueue reports: its container's exit code, why it cannot be scheduled. Stateless. */
final class Pods {
    private Pods() {}

    /** The exit code of the job's container once it terminated, else null. */
    static Integer exitCode(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return null;
        }
        for (ContainerStatus container : pod.getStatus().getContainerStatuses()) {
            if (JobManifests.CONTAINER.equals(container.getName()) && container.getState() != null
                    && container.getState().getTerminated() != null) {
                return container.getState().getTerminated().getExitCode();
            }
        }
        return null;
    }

    /** The scheduler's message for a pending pod it cannot place (e.g. "0/3 nodes are available: ..."). */
    static Optional<String> unschedulable(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null
                || !"Pending".equals(pod.getStatus().getPhase())) {
            return Optional.empty();
        }
        for (PodCondition condition : pod.getStatus().getConditions()) {
            if ("PodScheduled".equals(condition.getType()) && "False".equals(condition.getStatus())
                    && "Unschedulable".equals(condition.getReason())) {
                return Optional.of(condition.getMessage() != null ? condition.getMessage() : "unschedulable");
            }
        }
        return Optional.empty();
    }
}
