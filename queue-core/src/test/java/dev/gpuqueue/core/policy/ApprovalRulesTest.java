package dev.gpuqueue.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.QueueSettings;
import org.junit.jupiter.api.Test;

class ApprovalRulesTest {
    private static final QueueSettings THRESHOLD_10 = QueueSettings.DEFAULTS.toBuilder().approvalCostThreshold(10.0).build();

    @Test
    void anExplicitRequestAlwaysNeedsApproval() {
        assertThat(ApprovalRules.approvalReason(true, 0, QueueSettings.DEFAULTS)).hasValue("approval requested at submit");
    }

    @Test
    void aCostAboveTheThresholdNeedsApprovalAndACostAtItDoesNot() {
        assertThat(ApprovalRules.approvalReason(false, 10.5, THRESHOLD_10))
                .hasValue("estimated cost 10.5 exceeds the approval threshold 10.0");
        assertThat(ApprovalRules.approvalReason(false, 10.0, THRESHOLD_10)).isEmpty();
    }

    @Test
    void withoutAThresholdCostNeverNeedsApproval() {
        assertThat(ApprovalRules.approvalReason(false, 1e9, QueueSettings.DEFAULTS)).isEmpty();
    }

    @Test
    void aZeroThresholdMakesEveryPaidJobNeedApproval() {
        QueueSettings zero = QueueSettings.DEFAULTS.toBuilder().approvalCostThreshold(0.0).build();
        assertThat(ApprovalRules.approvalReason(false, 0.01, zero)).isPresent();
        assertThat(ApprovalRules.approvalReason(false, 0.0, zero)).isEmpty();
    }
}
