package dev.gpuqueue.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.error.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobSpecTest {

    @Test
    void defaultsAreOneProcessNoPreferenceThreeAttempts() {
        JobSpec spec = JobSpec.of("python", "train.py");

        assertThat(spec.command()).containsExactly("python", "train.py");
        assertThat(spec.numProcesses()).isEqualTo(1);
        assertThat(spec.deviceIds()).isEmpty();
        assertThat(spec.maxAttempts()).isEqualTo(3);
        assertThat(spec.estimatedCost()).isZero();
        assertThat(spec.maxRuntimeSeconds()).isNull();
    }

    @Test
    void isACopyThatLaterEditsOfTheSourceDoNotChange() {
        List<String> command = new ArrayList<>(List.of("a"));
        JobSpec spec = JobSpec.builder().command(command).build();
        command.add("b");
        assertThat(spec.command()).containsExactly("a");
    }

    @Test
    void keepsDuplicateDeviceIdsSoThePolicyCanReportThem() {
        assertThat(JobSpec.builder().deviceIds(List.of(1, 1)).build().deviceIds()).containsExactly(1, 1);
    }

    @Test
    void rejectsOutOfRangeValuesNamingTheField() {
        assertThatThrownBy(() -> JobSpec.builder().numProcesses(0).build())
                .isInstanceOf(LimitOutOfRangeException.class)
                .hasMessage("num_processes must be between 1 and 1024 (got 0)");
        assertThatThrownBy(() -> JobSpec.builder().maxAttempts(0).build())
                .hasMessageStartingWith("max_attempts must be between 1 and 100");
        assertThatThrownBy(() -> JobSpec.builder().estimatedCost(-1).build())
                .hasMessageStartingWith("estimated_cost must be a finite number >= 0");
        assertThatThrownBy(() -> JobSpec.builder().estimatedCost(Double.NaN).build())
                .isInstanceOf(LimitOutOfRangeException.class);
        assertThatThrownBy(() -> JobSpec.builder().maxRuntimeSeconds(0L).build())
                .hasMessageStartingWith("max_runtime_seconds must be between 1 and 31622400 (366 days)");
        assertThatThrownBy(() -> JobSpec.builder().maxRuntimeSeconds(Long.MAX_VALUE).build())
                .as("a limit no clock could reach").isInstanceOf(LimitOutOfRangeException.class);
        assertThatThrownBy(() -> JobSpec.builder().command(List.of("sh", "a\0b")).build())
                .isInstanceOf(ValidationException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> JobSpec.builder().env(Map.of("A", "x\0y")).build())
                .isInstanceOf(ValidationException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> JobSpec.builder().deviceIds(List.of(-1)).build())
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("device_ids");
        assertThatThrownBy(() -> JobSpec.builder().env(Map.of("A=B", "x")).build())
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("env names");
    }
}
