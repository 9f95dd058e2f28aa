package dev.gpuqueue.core.policy;

import dev.gpuqueue.core.model.QueueSettings;
import java.util.Optional;

/**
 * When a submitted job must wait for an admin's approval ({@code blocked}): the submitter asked for
 * it, or its estimated cost exceeds {@code approval_cost_threshold}. Stateless.
 */
public final class ApprovalRules {
    private ApprovalRules() {}

    /** Why the job needs approval, or empty when it does not. */
    public static Optional<String> approvalReason(boolean requested, double estimatedCost, QueueSettings settings) {
        if (requested) {
            return Optional.of("approval requested at submit");
        }
        Double threshold = settings.approvalCostThreshold();
        if (threshold != null && estimatedCost > threshold) {
            return Optional.of("estimated cost " + estimatedCost + " exceeds the approval threshold " + threshold);
        }
        return Optional.empty();
    }
}
