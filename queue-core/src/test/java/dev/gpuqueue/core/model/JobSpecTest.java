package dev.gpuqueue.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.error.ValidationException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@SuppressWarnings("unchecked")
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

    @Test
    void theWireShapeRoundTripsEveryFieldInDocumentationOrder() {
        JobSpec spec = JobSpec.builder().command(List.of("python", "train.py")).numProcesses(2).deviceIds(List.of(3, 1))
                .env(Map.of("A", "1")).workingDir("/work").estimatedCost(12.5).maxAttempts(4).maxRuntimeSeconds(3600L)
                .runName("r").runner("kubernetes").kubernetes(Map.of("image", "pytorch", "resources", Map.of("cpu", 8)))
                .build();

        Map<String, Object> wire = spec.toMap();

        assertThat(wire.keySet()).containsExactlyElementsOf(JobSpec.fieldNames());
        assertThat(wire).containsEntry("num_processes", 2).containsEntry("max_runtime_seconds", 3600L);
        assertThat(JobSpec.fromMap(wire)).isEqualTo(spec);
    }

    @Test
    void aRunnerIsANameAndOnlyTheKubernetesRunnerTakesAKubernetesSection() {
        assertThat(JobSpec.of("a").toMap()).doesNotContainKeys("runner", "kubernetes");
        assertThatThrownBy(() -> JobSpec.fromMap(Map.of("runner", "Kube rnetes")))
                .hasMessageStartingWith("runner must be a runner's name");
        assertThatThrownBy(() -> JobSpec.fromMap(Map.of("kubernetes", Map.of("image", "x"))))
                .hasMessage("a kubernetes section needs \"runner\": \"kubernetes\"");
        assertThatThrownBy(() -> JobSpec.fromMap(Map.of("runner", "kubernetes", "kubernetes", "pytorch")))
                .hasMessage("kubernetes must be an object (image, namespace, ...)");

        Map<String, Object> section = new HashMap<>(Map.of("image", "x", "node_selector", new HashMap<>(Map.of("a", "b"))));
        JobSpec spec = JobSpec.fromMap(Map.of("runner", "kubernetes", "kubernetes", section));
        ((Map<String, Object>) section.get("node_selector")).put("a", "changed");
        assertThat(spec.kubernetes()).isEqualTo(Map.of("image", "x", "node_selector", Map.of("a", "b")));
        assertThatThrownBy(() -> spec.kubernetes().put("image", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void missingOrNullFieldsTakeTheirDefaultsAndJsonNumbersOfAnySizeAreRead() {
        Map<String, Object> nulls = new HashMap<>();
        nulls.put("command", List.of("a"));
        nulls.put("working_dir", null);
        nulls.put("num_processes", null);

        assertThat(JobSpec.fromMap(nulls)).isEqualTo(JobSpec.of("a"));
        assertThat(JobSpec.fromMap(Map.of("command", List.of("a"), "num_processes", new BigDecimal("2.0"),
                "estimated_cost", new BigDecimal("0.25"))).numProcesses()).isEqualTo(2);
    }

    @Test
    void wireValuesOfTheWrongTypeOrRangeAreRefusedNamingTheFieldButNotTheValue() {
        assertThatThrownBy(() -> JobSpec.fromMap(Map.of("num_processes", "hunter2")))
                .hasMessage("num_processes must be a whole number between 1 and 1024");
        assertThatThrownBy(() -> JobSpec.fromMap(Map.of("device_ids", List.of(1.5))))
                .hasMessage("device_ids must be a whole number >= 0");
        assertThatThrownBy(() -> JobSpec.fromMap(Map.of("estimated_cost", new BigDecimal("1E+400"))))
                .isInstanceOf(ValidationException.class).hasMessage("estimated_cost must be a finite number >= 0");
        assertThatThrownBy(() -> JobSpec.fromMap(Map.of("max_attempts", new BigInteger("99999999999999999999"))))
                .hasMessage("max_attempts must be a whole number between 1 and 100");
        assertThatThrownBy(() -> JobSpec.fromMap(Map.of("command", List.of("a", 1))))
                .hasMessage("command must be a list of strings");
        assertThatThrownBy(() -> JobSpec.fromMap(Map.of("env", List.of())))
                .hasMessage("env must be an object of strings");
        assertThatThrownBy(() -> JobSpec.fromMap(Map.of("gpus", 1, "cmd", List.of())))
                .hasMessageStartingWith("unknown fields [").hasMessageEndingWith("allowed: command, num_processes,"
                        + " device_ids, env, working_dir, estimated_cost, max_attempts, max_runtime_seconds, run_name, runner, kubernetes");
    }
}
