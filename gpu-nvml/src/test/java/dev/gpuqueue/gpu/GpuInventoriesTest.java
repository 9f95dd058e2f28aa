package dev.gpuqueue.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.GpuDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GpuInventoriesTest {

    @Test
    void onThisMachineWithoutNvmlTheSystemProbeSaysWhyAndSelectionFallsBackToNone() {
        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe();
        assumeFalse(probe.available(), "this machine has NVML; NvmlRealGpuTest (tag gpu) covers it");
        assertThat(probe.reason()).startsWith("not available:");

        GpuInventories.Selection selection = GpuInventories.select(null);

        assertThat(selection.backend()).isEqualTo("none");
        assertThat(selection.inventory().devices()).isEmpty();
        assertThat(selection.reason()).startsWith("NVML not available:");
    }

    @Test
    void nvmlIsChosenWhenItWorks() {
        FakeNvml nvml = new FakeNvml().with(new FakeNvml.Device("GPU", "GPU-1", "00:01", 1, 0, 0, 0));

        GpuInventories.Selection selection = GpuInventories.select(null, () -> NvmlGpuInventory.probe(nvml));

        assertThat(selection.backend()).isEqualTo("nvml");
        assertThat(selection.inventory().indices()).containsExactly(0);
        assertThat(selection.reason()).isNull();
        assertThat(nvml.shutdowns).isZero();

        selection.close();

        assertThat(nvml.shutdowns).as("closing the selection shuts NVML down").isEqualTo(1);
    }

    @Test
    void closingASimulatedOrEmptySelectionIsHarmless() {
        GpuInventories.Selection simulated = GpuInventories.select("2");
        simulated.close();

        assertThat(simulated.inventory().devices()).hasSize(2);
        GpuInventories.select(null, () -> new NvmlGpuInventory.Probe(null, "not available: test")).close();
    }

    @Test
    void simulatedGpusWinWhenAskedForEvenWithNvml() {
        GpuInventories.Selection selection = GpuInventories.select("2:A100:40", () -> {
            throw new AssertionError("NVML must not be probed when GPUs are simulated");
        });

        assertThat(selection.backend()).isEqualTo("simulated");
        assertThat(selection.inventory().devices()).extracting(GpuDevice::name).containsExactly("A100", "A100");
    }

    @Test
    void simulatedSpecsDeclareCountNameAndMemory() {
        assertThat(SimulatedGpuInventory.parse("4").devices()).hasSize(4)
                .allSatisfy(d -> assertThat(d.memoryTotalBytes()).isEqualTo(40L << 30))
                .extracting(GpuDevice::index).containsExactly(0, 1, 2, 3);
        SimulatedGpuInventory h100 = SimulatedGpuInventory.parse("8:H100-80GB:80");
        assertThat(h100.devices()).hasSize(8).allSatisfy(d -> {
            assertThat(d.name()).isEqualTo("H100-80GB");
            assertThat(d.memoryTotalBytes()).isEqualTo(80L << 30);
            assertThat(d.utilizationPercent()).isZero();
        });
        assertThat(h100.devices()).extracting(GpuDevice::uuid).doesNotHaveDuplicates();
        assertThat(SimulatedGpuInventory.parse("0").devices()).isEmpty();
        assertThat(h100.backend()).isEqualTo("simulated");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "four", "-1", "2:A100", "2:A100:", "2::40", "2:A100:0", "2:A100:40:extra", "65", "2:A100:4.5"})
    void malformedSpecsAreRefusedSayingWhatIsValid(String spec) {
        assertThatThrownBy(() -> SimulatedGpuInventory.parse(spec))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("invalid simulated GPU spec '" + spec + "'");
    }
}
