package dev.gpuqueue.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.LimitOutOfRangeException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class QueueSettingsTest {

    @Test
    void defaultsAreTheSpecsDefaults() {
        QueueSettings d = QueueSettings.DEFAULTS;
        assertThat(d.maxConcurrent()).isEqualTo(5);
        assertThat(d.userMaxConcurrent()).isEqualTo(2);
        assertThat(d.teamMaxConcurrent()).isEqualTo(10);
        assertThat(d.enableFairShare()).isFalse();
        assertThat(d.localJobMaxConcurrent()).isEqualTo(1);
        assertThat(d.localGpuMaxConcurrent()).isNull();
        assertThat(d.starvationThresholdMinutes()).isEqualTo(60);
        assertThat(d.starvationBoost()).isEqualTo(10);
        assertThat(d.starvationMaxBoost()).isEqualTo(30);
        assertThat(d.approvalCostThreshold()).isNull();
    }

    record Bound(String field, UnaryOperator<QueueSettings.Builder> lowest, UnaryOperator<QueueSettings.Builder> tooLow,
                 UnaryOperator<QueueSettings.Builder> highest, UnaryOperator<QueueSettings.Builder> tooHigh) {
        @Override
        public String toString() {
            return field;
        }
    }

    static Stream<Arguments> bounds() {
        return Stream.of(
                new Bound("max_concurrent", b -> b.maxConcurrent(1), b -> b.maxConcurrent(0),
                        b -> b.maxConcurrent(100), b -> b.maxConcurrent(101)),
                new Bound("user_max_concurrent", b -> b.userMaxConcurrent(1), b -> b.userMaxConcurrent(0),
                        b -> b.userMaxConcurrent(20), b -> b.userMaxConcurrent(21)),
                new Bound("team_max_concurrent", b -> b.teamMaxConcurrent(1), b -> b.teamMaxConcurrent(0),
                        b -> b.teamMaxConcurrent(50), b -> b.teamMaxConcurrent(51)),
                new Bound("local_job_max_concurrent", b -> b.localJobMaxConcurrent(1), b -> b.localJobMaxConcurrent(0),
                        b -> b.localJobMaxConcurrent(10), b -> b.localJobMaxConcurrent(11)),
                new Bound("starvation_threshold_minutes", b -> b.starvationThresholdMinutes(1),
                        b -> b.starvationThresholdMinutes(0), b -> b.starvationThresholdMinutes(10_080),
                        b -> b.starvationThresholdMinutes(10_081)),
                new Bound("starvation_boost", b -> b.starvationBoost(0), b -> b.starvationBoost(-1),
                        b -> b.starvationBoost(50), b -> b.starvationBoost(51)),
                new Bound("starvation_max_boost", b -> b.starvationMaxBoost(0), b -> b.starvationMaxBoost(-1),
                        b -> b.starvationMaxBoost(100), b -> b.starvationMaxBoost(101)))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bounds")
    void everyRangeIncludesItsEndsAndRejectsOneBeyond(Bound bound) {
        QueueSettings.Builder base = QueueSettings.DEFAULTS.toBuilder();
        assertThatCode(() -> bound.lowest().apply(QueueSettings.DEFAULTS.toBuilder()).build()).doesNotThrowAnyException();
        assertThatCode(() -> bound.highest().apply(QueueSettings.DEFAULTS.toBuilder()).build()).doesNotThrowAnyException();
        assertThatThrownBy(() -> bound.tooLow().apply(base).build())
                .isInstanceOfSatisfying(LimitOutOfRangeException.class, e -> assertThat(e.field()).isEqualTo(bound.field()))
                .hasMessageStartingWith(bound.field() + " must be a whole number between");
        assertThatThrownBy(() -> bound.tooHigh().apply(QueueSettings.DEFAULTS.toBuilder()).build())
                .isInstanceOf(LimitOutOfRangeException.class)
                .hasMessageStartingWith(bound.field() + " must be a whole number between");
    }

    @Test
    void nullIsAllowedOnlyWhereTheRangeSaysSo() {
        QueueSettings unlimited = QueueSettings.DEFAULTS.toBuilder()
                .localGpuMaxConcurrent(null).approvalCostThreshold(null).build();
        assertThat(unlimited.localGpuMaxConcurrent()).isNull();
        assertThat(unlimited.approvalCostThreshold()).isNull();

        assertThatThrownBy(() -> QueueSettings.DEFAULTS.toBuilder().localGpuMaxConcurrent(0).build())
                .hasMessage("local_gpu_max_concurrent must be a whole number >= 1, or null for unlimited (got 0)");
        assertThatThrownBy(() -> QueueSettings.DEFAULTS.toBuilder().approvalCostThreshold(-0.5).build())
                .hasMessage("approval_cost_threshold must be a finite number >= 0, or null for off (got -0.5)");
        assertThat(QueueSettings.DEFAULTS.toBuilder().localGpuMaxConcurrent(64).approvalCostThreshold(0.0).build()
                .localGpuMaxConcurrent()).isEqualTo(64);
    }

    @Test
    void aBuilderCopyLeavesTheOriginalUnchanged() {
        QueueSettings changed = QueueSettings.DEFAULTS.toBuilder().maxConcurrent(10).userMaxConcurrent(3).build();
        assertThat(changed.maxConcurrent()).isEqualTo(10);
        assertThat(changed.userMaxConcurrent()).isEqualTo(3);
        assertThat(changed.teamMaxConcurrent()).isEqualTo(10);
        assertThat(QueueSettings.DEFAULTS.maxConcurrent()).isEqualTo(5);
    }
}
