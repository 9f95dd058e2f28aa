package dev.gpuqueue.core.policy;

import static dev.gpuqueue.core.testing.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.OnlineWorker;
import dev.gpuqueue.core.model.PendingReason;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkerMatchingTest {

    private static OnlineWorker worker(String id, int gpus, String... labels) {
        return new OnlineWorker(id, labelMap(labels), gpus, false);
    }

    private static OnlineWorker draining(String id, int gpus, String... labels) {
        return new OnlineWorker(id, labelMap(labels), gpus, true);
    }

    /** {@code "gpu_type", "a100", "zone", "eu"} → a map. */
    private static Map<String, String> labelMap(String... keyValues) {
        Map<String, String> map = new java.util.HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    /** A job needing {@code gpus} GPUs and a worker with {@code labels}. */
    private static Job needs(int gpus, String... labels) {
        return job().gpus(gpus).build().toBuilder().workerLabels(labelMap(labels)).build();
    }

    private static Optional<String> chosen(Job job, List<OnlineWorker> workers, Set<String> busy) {
        return WorkerMatching.choose(job, workers, busy).map(OnlineWorker::id);
    }

    // ---- globMatches -------------------------------------------------------------------------

    @Test
    void aGlobWithoutWildcardsMatchesOnlyTheExactValue() {
        assertThat(WorkerMatching.globMatches("a100", "a100")).isTrue();
        assertThat(WorkerMatching.globMatches("a100", "a1000")).isFalse();
        assertThat(WorkerMatching.globMatches("a1", "a100")).isFalse();
        assertThat(WorkerMatching.globMatches("a100", "xa100")).isFalse();
        assertThat(WorkerMatching.globMatches("", "")).isTrue();
        assertThat(WorkerMatching.globMatches("", "a")).isFalse();
        assertThat(WorkerMatching.globMatches("a", "")).isFalse();
    }

    @Test
    void aPatternOfManyStarsIsDecidedWithoutTryingEverySplit() {
        String pattern = "*?".repeat(12) + "#";
        assertThat(WorkerMatching.globMatches(pattern, "x".repeat(32))).isFalse();
        assertThat(WorkerMatching.globMatches(pattern, "x".repeat(32) + "#")).isTrue();
        assertThat(WorkerMatching.globMatches("*a*b*c*", "zzazzbzzczz")).isTrue();
        assertThat(WorkerMatching.globMatches("*a*b*c", "zzazzbzzczz")).isFalse();
    }

    @Test
    void aWorkerMustHaveTheDevicesAJobIsPinnedToUnlessItTakesAnyGpu() {
        Job pinned = job().gpus(2).deviceIds(2, 3).build();
        Job anyTwo = job().gpus(2).deviceIds(2, 3).anyGpu().build();

        assertThat(WorkerMatching.canRun(pinned, worker("small", 2))).isFalse();
        assertThat(WorkerMatching.canRun(pinned, worker("big", 4))).isTrue();
        assertThat(WorkerMatching.canRun(anyTwo, worker("small", 2))).isTrue();
        assertThat(WorkerMatching.waitReason(pinned, List.of(worker("small", 2)), Set.of()).message())
                .isEqualTo("no online worker has GPUs [2, 3]");
    }

    @Test
    void aTrailingStarMatchesAnySuffix() {
        assertThat(WorkerMatching.globMatches("a100*", "a100")).isTrue();
        assertThat(WorkerMatching.globMatches("a100*", "a100-80gb")).isTrue();
        assertThat(WorkerMatching.globMatches("a100*", "a10")).isFalse();
        assertThat(WorkerMatching.globMatches("a100*", "h100")).isFalse();
    }

    @Test
    void aLeadingStarMatchesAnyPrefix() {
        assertThat(WorkerMatching.globMatches("*100", "a100")).isTrue();
        assertThat(WorkerMatching.globMatches("*100", "h100")).isTrue();
        assertThat(WorkerMatching.globMatches("*100", "100")).isTrue();
        assertThat(WorkerMatching.globMatches("*100", "a1000")).isFalse();
        assertThat(WorkerMatching.globMatches("*100", "a10")).isFalse();
    }

    @Test
    void aStarInTheMiddleBacktracks() {
        assertThat(WorkerMatching.globMatches("a*0", "a100")).isTrue();
        assertThat(WorkerMatching.globMatches("a*0b", "a0b0b")).isTrue();
        assertThat(WorkerMatching.globMatches("a*b*c", "axxbyyc")).isTrue();
        assertThat(WorkerMatching.globMatches("a*b*c", "axxbyy")).isFalse();
    }

    @Test
    void aQuestionMarkMatchesExactlyOneCharacter() {
        assertThat(WorkerMatching.globMatches("a?00", "a100")).isTrue();
        assertThat(WorkerMatching.globMatches("a?00", "a800")).isTrue();
        assertThat(WorkerMatching.globMatches("a?00", "a00")).isFalse();
        assertThat(WorkerMatching.globMatches("a?00", "a1000")).isFalse();
        assertThat(WorkerMatching.globMatches("?", "")).isFalse();
        assertThat(WorkerMatching.globMatches("?", "x")).isTrue();
    }

    @Test
    void aStarMatchesTheEmptyStringAndRunsOfStarsActAsOne() {
        assertThat(WorkerMatching.globMatches("*", "")).isTrue();
        assertThat(WorkerMatching.globMatches("*", "anything")).isTrue();
        assertThat(WorkerMatching.globMatches("**", "")).isTrue();
        assertThat(WorkerMatching.globMatches("**", "a100")).isTrue();
        assertThat(WorkerMatching.globMatches("a**100", "a100")).isTrue();
        assertThat(WorkerMatching.globMatches("a**100", "a-x-100")).isTrue();
        assertThat(WorkerMatching.globMatches("a**100", "a-x-1000")).isFalse();
    }

    @Test
    void regexCharactersAreLiteral() {
        assertThat(WorkerMatching.globMatches("a.b", "a.b")).isTrue();
        assertThat(WorkerMatching.globMatches("a.b", "axb")).isFalse();
        assertThat(WorkerMatching.globMatches("a+", "a+")).isTrue();
        assertThat(WorkerMatching.globMatches("a+", "aa")).isFalse();
        assertThat(WorkerMatching.globMatches("a+", "a")).isFalse();
        assertThat(WorkerMatching.globMatches("[ab]", "a")).isFalse();
        assertThat(WorkerMatching.globMatches("[ab]", "[ab]")).isTrue();
        assertThat(WorkerMatching.globMatches("a|b", "a")).isFalse();
        assertThat(WorkerMatching.globMatches("^a$", "^a$")).isTrue();
        assertThat(WorkerMatching.globMatches("\\d", "1")).isFalse();
        assertThat(WorkerMatching.globMatches("\\d", "\\d")).isTrue();
        assertThat(WorkerMatching.globMatches("(a)", "(a)")).isTrue();
    }

    @Test
    void matchingIsCaseSensitive() {
        assertThat(WorkerMatching.globMatches("A100", "a100")).isFalse();
        assertThat(WorkerMatching.globMatches("a100", "A100")).isFalse();
        assertThat(WorkerMatching.globMatches("a*", "A100")).isFalse();
    }

    // ---- labelsMatch -------------------------------------------------------------------------

    @Test
    void everyRequiredLabelMustMatch() {
        Map<String, String> labels = labelMap("gpu_type", "a100-80gb", "zone", "eu-west");

        assertThat(WorkerMatching.labelsMatch(labelMap("gpu_type", "a100*"), labels)).isTrue();
        assertThat(WorkerMatching.labelsMatch(labelMap("gpu_type", "a100*", "zone", "eu-*"), labels)).isTrue();
        assertThat(WorkerMatching.labelsMatch(labelMap("gpu_type", "a100*", "zone", "us-*"), labels)).isFalse();
        assertThat(WorkerMatching.labelsMatch(labelMap("gpu_type", "h100", "zone", "eu-*"), labels)).isFalse();
    }

    @Test
    void aMissingLabelFailsEvenAgainstStar() {
        Map<String, String> labels = labelMap("gpu_type", "a100");

        assertThat(WorkerMatching.labelsMatch(labelMap("zone", "*"), labels)).isFalse();
        assertThat(WorkerMatching.labelsMatch(labelMap("gpu_type", "a100", "zone", "*"), labels)).isFalse();
        assertThat(WorkerMatching.labelsMatch(labelMap("gpu_type", "*"), Map.of())).isFalse();
    }

    @Test
    void noRequirementsMatchAnyWorker() {
        assertThat(WorkerMatching.labelsMatch(Map.of(), Map.of())).isTrue();
        assertThat(WorkerMatching.labelsMatch(Map.of(), labelMap("gpu_type", "a100"))).isTrue();
    }

    @Test
    void labelKeysAreMatchedExactlyNotAsGlobs() {
        assertThat(WorkerMatching.labelsMatch(labelMap("gpu*", "a100"), labelMap("gpu_type", "a100"))).isFalse();
    }

    // ---- canRun ------------------------------------------------------------------------------

    @Test
    void aWorkerCanRunAJobWhenItHasAtLeastNumProcessesGpusAndTheLabelsMatch() {
        Job four = needs(4, "gpu_type", "a100*");

        assertThat(WorkerMatching.canRun(four, worker("w4", 4, "gpu_type", "a100"))).isTrue();
        assertThat(WorkerMatching.canRun(four, worker("w8", 8, "gpu_type", "a100-80gb"))).isTrue();
        assertThat(WorkerMatching.canRun(four, worker("w2", 2, "gpu_type", "a100"))).isFalse();
        assertThat(WorkerMatching.canRun(four, worker("h8", 8, "gpu_type", "h100"))).isFalse();
        assertThat(WorkerMatching.canRun(needs(1), worker("w0", 0))).isFalse();
        assertThat(WorkerMatching.canRun(needs(1), worker("w1", 1))).isTrue();
    }

    @Test
    void canRunIgnoresBusyAndDraining() {
        assertThat(WorkerMatching.canRun(needs(1), draining("d", 1))).isTrue();
    }

    // ---- choose ------------------------------------------------------------------------------

    @Test
    void chooseSkipsBusyAndDrainingWorkers() {
        Job one = needs(1);
        List<OnlineWorker> workers = List.of(worker("busy", 1), draining("drain", 1), worker("free", 2));

        assertThat(chosen(one, workers, Set.of("busy"))).contains("free");
        assertThat(chosen(one, workers, Set.of("busy", "free"))).isEmpty();
        assertThat(chosen(one, List.of(draining("drain", 1)), Set.of())).isEmpty();
        assertThat(chosen(one, List.of(), Set.of())).isEmpty();
    }

    @Test
    void chooseSkipsWorkersThatCannotRunTheJob() {
        Job a100 = needs(2, "gpu_type", "a100");
        List<OnlineWorker> workers = List.of(
                worker("small", 1, "gpu_type", "a100"), worker("h100", 2, "gpu_type", "h100"), worker("big", 8, "gpu_type", "a100"));

        assertThat(chosen(a100, workers, Set.of())).contains("big");
    }

    @Test
    void chooseTakesTheSmallestWorkerThatFits() {
        Job two = needs(2);
        List<OnlineWorker> workers = List.of(worker("eight", 8), worker("one", 1), worker("two", 2), worker("four", 4));

        assertThat(chosen(two, workers, Set.of())).contains("two");
        assertThat(chosen(two, workers, Set.of("two"))).contains("four");
    }

    @Test
    void chooseBreaksTiesById() {
        Job one = needs(1);
        List<OnlineWorker> workers = List.of(worker("w-c", 2), worker("w-a", 2), worker("w-b", 2), worker("w-z", 4));

        assertThat(chosen(one, workers, Set.of())).contains("w-a");
        assertThat(chosen(one, workers, Set.of("w-a"))).contains("w-b");
    }

    // ---- waitReason --------------------------------------------------------------------------

    private static PendingReason reason(Job job, List<OnlineWorker> workers, Set<String> busy) {
        return WorkerMatching.waitReason(job, workers, busy);
    }

    @Test
    void withNoWorkerOnlineTheReasonSaysSo() {
        assertThat(reason(needs(1), List.of(), Set.of()))
                .isEqualTo(PendingReason.noWorker("no worker is online"));
    }

    @Test
    void withNoMatchingWorkerTheReasonNamesTheLabels() {
        List<OnlineWorker> workers = List.of(worker("w1", 8, "gpu_type", "a100"));

        PendingReason reason = reason(needs(1, "gpu_type", "v100"), workers, Set.of());
        assertThat(reason.kind()).isEqualTo(PendingReason.Kind.NO_WORKER);
        assertThat(reason.message()).isEqualTo("no worker matches gpu_type=v100");
    }

    @Test
    void withLabelsAndMoreThanOneGpuTheReasonNamesBoth() {
        List<OnlineWorker> workers = List.of(worker("w1", 2, "gpu_type", "a100"), worker("w2", 8, "gpu_type", "h100"));

        PendingReason reason = reason(needs(4, "gpu_type", "a100*"), workers, Set.of());
        assertThat(reason.kind()).isEqualTo(PendingReason.Kind.NO_WORKER);
        assertThat(reason.message()).isEqualTo("no worker matches gpu_type=a100*, 4 GPUs");
    }

    @Test
    void withoutLabelsTheReasonNamesTheGpuCount() {
        List<OnlineWorker> workers = List.of(worker("w1", 2), worker("w2", 1));

        PendingReason reason = reason(needs(4), workers, Set.of());
        assertThat(reason.kind()).isEqualTo(PendingReason.Kind.NO_WORKER);
        assertThat(reason.message()).isEqualTo("no online worker has 4 GPUs");
    }

    @Test
    void withMatchingWorkersAllBusyTheReasonCountsThem() {
        Job one = needs(1, "gpu_type", "a100*");
        OnlineWorker w1 = worker("w1", 1, "gpu_type", "a100");
        OnlineWorker w2 = worker("w2", 4, "gpu_type", "a100-80gb");
        OnlineWorker other = worker("other", 4, "gpu_type", "h100");

        PendingReason single = reason(one, List.of(w1, other), Set.of("w1"));
        assertThat(single.kind()).isEqualTo(PendingReason.Kind.WORKERS_BUSY);
        assertThat(single.message()).isEqualTo("1 matching worker busy");

        PendingReason two = reason(one, List.of(w1, w2, other), Set.of("w1", "w2"));
        assertThat(two.kind()).isEqualTo(PendingReason.Kind.WORKERS_BUSY);
        assertThat(two.message()).isEqualTo("2 matching workers busy");
    }

    @Test
    void aDrainingMatchingWorkerChangesTheWording() {
        Job one = needs(1);
        List<OnlineWorker> workers = List.of(worker("w1", 1), draining("w2", 1));

        PendingReason reason = reason(one, workers, Set.of("w1"));
        assertThat(reason.kind()).isEqualTo(PendingReason.Kind.WORKERS_BUSY);
        assertThat(reason.message()).isEqualTo("2 matching workers busy or draining");

        assertThat(reason(one, List.of(draining("w2", 1)), Set.of()).message())
                .isEqualTo("1 matching worker busy or draining");
    }

    @Test
    void aDrainingWorkerThatCannotRunTheJobDoesNotChangeTheWording() {
        Job one = needs(1, "gpu_type", "a100");
        List<OnlineWorker> workers = List.of(worker("w1", 1, "gpu_type", "a100"), draining("w2", 1, "gpu_type", "h100"));

        assertThat(reason(one, workers, Set.of("w1")).message()).isEqualTo("1 matching worker busy");
    }

    // ---- requirement -------------------------------------------------------------------------

    @Test
    void requirementWording() {
        assertThat(WorkerMatching.requirement(needs(1))).isEqualTo("1 GPU");
        assertThat(WorkerMatching.requirement(needs(4))).isEqualTo("4 GPUs");
        assertThat(WorkerMatching.requirement(needs(1, "gpu_type", "a100*"))).isEqualTo("gpu_type=a100*");
        assertThat(WorkerMatching.requirement(needs(2, "gpu_type", "a100*"))).isEqualTo("gpu_type=a100*, 2 GPUs");
        assertThat(WorkerMatching.requirement(needs(4, "zone", "eu-*", "gpu_type", "a100")))
                .isEqualTo("gpu_type=a100, zone=eu-*, 4 GPUs");
    }
}
