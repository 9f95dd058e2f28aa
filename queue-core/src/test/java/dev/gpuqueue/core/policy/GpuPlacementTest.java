package dev.gpuqueue.core.policy;

import static dev.gpuqueue.core.testing.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.QueueSettings;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class GpuPlacementTest {
    private static final List<Integer> FOUR = List.of(0, 1, 2, 3);

    private static SortedSet<Integer> free(Integer... ids) {
        return new TreeSet<>(List.of(ids));
    }

    @Test
    void withoutPreferenceTheLowestFreeIndicesAreChosen() {
        Job two = job().gpus(2).build();
        assertThat(GpuPlacement.choose(two, free(1, 2, 3))).hasValue(List.of(1, 2));
        assertThat(GpuPlacement.choose(two, free(3))).isEmpty();
        assertThat(GpuPlacement.waitReason(two, free(3)).message()).isEqualTo("waiting for 2 GPUs (1 free)");
    }

    @Test
    void morePreferredIdsThanProcessesActAsAPoolLowestFirst() {
        Job pooled = job().gpus(2).deviceIds(3, 0, 2).build();
        assertThat(GpuPlacement.choose(pooled, free(0, 1, 2, 3))).hasValue(List.of(0, 2));
        assertThat(GpuPlacement.choose(pooled, free(1, 3))).isEmpty();
        assertThat(GpuPlacement.waitReason(pooled, free(1, 3)).message())
                .isEqualTo("waiting for GPUs [3, 0, 2] (busy: [0, 2])");
    }

    @Test
    void anyGpuIgnoresThePreference() {
        Job anyGpu = job().gpus(1).deviceIds(3).anyGpu().build();
        assertThat(GpuPlacement.choose(anyGpu, free(0, 3))).hasValue(List.of(0));
        assertThat(GpuPlacement.neverFitReason(job().gpus(1).deviceIds(9).anyGpu().build(), FOUR, QueueSettings.DEFAULTS))
                .isEmpty();
    }

    @Test
    void aSpecIsCheckedAtSubmitBeforeAnyJobExists() {
        JobSpec eight = JobSpec.builder().numProcesses(8).build();
        assertThat(GpuPlacement.neverFitReason(eight, false, FOUR, QueueSettings.DEFAULTS))
                .hasValue("needs 8 GPUs but only 4 exist");
        assertThat(GpuPlacement.neverFitReason(JobSpec.builder().numProcesses(4).build(), false, FOUR,
                QueueSettings.DEFAULTS)).isEmpty();
    }
}
