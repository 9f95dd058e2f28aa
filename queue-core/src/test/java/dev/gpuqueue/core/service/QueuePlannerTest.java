package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.TestJobs.T0;
import static dev.gpuqueue.core.testing.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.JobType;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.Submitter;
import dev.gpuqueue.core.policy.DispatchPlanner;
import dev.gpuqueue.core.policy.PassInput;
import dev.gpuqueue.core.policy.PassPlan;
import dev.gpuqueue.core.port.JobReader;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.testing.FakeGpuInventory;
import dev.gpuqueue.core.testing.TestJobs;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Planning over the smallest deciding prefix gives exactly what planning over every pending job gives. */
class QueuePlannerTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {3, 5, 8, 13, 21, 34})
    void prefixPlansAgreeWithTheFullPlan(long seed) {
        Random random = new Random(seed);
        JobStore store = new InMemoryJobStore();
        FakeGpuInventory gpus = FakeGpuInventory.withGpus(8);
        QueueSettings settings = QueueSettings.DEFAULTS.toBuilder()
                .maxConcurrent(1 + random.nextInt(40)).userMaxConcurrent(1 + random.nextInt(5))
                .teamMaxConcurrent(1 + random.nextInt(8)).enableFairShare(random.nextBoolean())
                .localJobMaxConcurrent(1 + random.nextInt(10)).starvationThresholdMinutes(30).build();
        store.inTransaction(tx -> {
            tx.saveSettings(settings);
            return null;
        });
        Instant now = T0.plus(Duration.ofHours(4));
        int users = 3 + random.nextInt(60);
        for (int i = 0; i < 900; i++) {
            Submitter user = new Submitter(1 + random.nextInt(users), "u", random.nextBoolean() ? "team" + random.nextInt(4) : null);
            Instant queued = T0.plusSeconds(random.nextInt(4 * 3600));
            TestJobs.Draft draft = job().user(user).level(Level.values()[random.nextInt(4)]).gpus(1 + random.nextInt(3))
                    .queuedAt(queued);
            if (random.nextInt(10) == 0) {
                draft.cloud("replicate");
            }
            Job job = draft.build();
            Job stored = store.inTransaction(tx -> tx.insert(job));
            if (random.nextInt(60) == 0 && stored.type() == JobType.LOCAL) {
                store.inTransaction(tx -> tx.update(stored, stored.dispatched(
                        Placement.worker("w" + stored.seq()), now)));
            }
        }
        Set<String> providers = seed % 2 == 0 ? Set.of("replicate") : Set.of();
        QueuePlanner planner = new QueuePlanner(gpus, providers, Map::of, List::of);
        PassPlan full = store.read(r -> DispatchPlanner.plan(new PassInput(r.withStatus(JobStatus.PENDING),
                r.withStatus(JobStatus.RUNNING), settings, new TreeSet<>(gpus.indices()), providers, Map.of(), true, List.of(), now)));

        PassPlan pass = store.read(r -> planner.planPass(r, now));
        assertThat(ids(pass.starts().stream().map(PassPlan.Start::job).toList()))
                .isEqualTo(ids(full.starts().stream().map(PassPlan.Start::job).toList()));

        List<Job> sample = full.entries().stream().map(QueueEntry::job).filter(j -> random.nextInt(7) == 0).toList();
        Map<JobId, QueueEntry> decided = store.read(r -> planner.decide(r, now, sample, null)).entries();
        Map<JobId, QueueEntry> expected = full.entries().stream()
                .collect(Collectors.toMap(e -> e.job().id(), e -> e));
        assertThat(decided).hasSize(sample.size());
        decided.forEach((id, entry) -> {
            QueueEntry want = expected.get(id);
            assertThat(entry.position()).as(id.value()).isEqualTo(want.position());
            assertThat(entry.effectivePriority()).as(id.value()).isEqualTo(want.effectivePriority());
            assertThat(String.valueOf(entry.pendingReason())).as(id.value()).isEqualTo(String.valueOf(want.pendingReason()));
        });

        List<QueueEntry> first = store.read(r -> planner.firstEntries(r, now, 50));
        assertThat(first).hasSize(50);
        assertThat(first).extracting(e -> String.valueOf(e.pendingReason()))
                .isEqualTo(full.entries().subList(0, 50).stream().map(e -> String.valueOf(e.pendingReason())).toList());
    }

    @Test
    void aJobFarBeyondTheFirstPrefixStartsWhenEverythingAheadIsHeldByItsUserLimit() {
        JobStore store = new InMemoryJobStore();
        QueueSettings settings = QueueSettings.DEFAULTS.toBuilder().userMaxConcurrent(1).localJobMaxConcurrent(4).build();
        store.inTransaction(tx -> {
            tx.saveSettings(settings);
            return null;
        });
        Submitter busy = new Submitter(1, "busy", null);
        for (int i = 0; i < 700; i++) {
            store.inTransaction(tx -> tx.insert(job().user(busy).build()));
        }
        Job late = store.inTransaction(tx -> tx.insert(job().user(new Submitter(2, "late", null)).level(Level.VIEWER).build()));
        Job deep = store.read(r -> r.pendingInDispatchOrder(settings, T0, 600)).get(599);
        QueuePlanner planner = new QueuePlanner(FakeGpuInventory.withGpus(2), Set.of(), Map::of, List::of);

        PassPlan pass = store.read(r -> planner.planPass(r, T0));
        QueuePlanner.Decided decided = store.read(r -> planner.decide(r, T0, List.of(late, deep), null));

        assertThat(pass.starts()).extracting(s -> s.job().id()).hasSize(2).contains(late.id());
        assertThat(decided.entries().get(late.id()).position()).isEqualTo(701);
        assertThat(decided.entries().get(late.id()).pendingReason()).isNull();
        assertThat(decided.starts()).containsKey(late.id());
        assertThat(decided.entries().get(deep.id()).pendingReason().message()).isEqualTo("user limit 1/1");
        assertThat(decided.entries().get(deep.id()).position()).isEqualTo(600);
    }

    @ParameterizedTest(name = "cloud providers {0}")
    @ValueSource(strings = {"", "replicate"})
    void aQueueHeldByTheLocalJobLimitIsReadOnlyAsFarAsTheFirstPrefix(String provider) {
        InMemoryJobStore inner = new InMemoryJobStore();
        List<Integer> limitsAsked = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 1200; i++) {
            Submitter user = new Submitter(i + 1, "u" + i, null);
            inner.inTransaction(tx -> tx.insert(job().user(user).build()));
        }
        Job running = inner.inTransaction(tx -> tx.insert(job().user(new Submitter(0, "r", null)).build()));
        inner.inTransaction(tx -> tx.update(running, running.dispatched(Placement.localGpus(List.of(0)), T0)));
        // With a dispatcher registered but no cloud job pending, nothing behind the head can start either.
        QueuePlanner planner = new QueuePlanner(FakeGpuInventory.withGpus(4), provider.isEmpty() ? Set.of() : Set.of(provider),
                Map::of, List::of);
        Job last = inner.read(r -> r.pendingInDispatchOrder(QueueSettings.DEFAULTS, T0, Integer.MAX_VALUE)).get(1000);

        PassPlan pass = inner.read(r -> planner.planPass(recording(r, limitsAsked), T0));
        QueuePlanner.Decided decided = inner.read(r -> planner.decide(recording(r, limitsAsked), T0, List.of(last), null));

        assertThat(pass.starts()).isEmpty();
        assertThat(pass.tail().saturated()).isTrue();
        assertThat(decided.entries().get(last.id()).position()).isEqualTo(1001);
        assertThat(decided.entries().get(last.id()).pendingReason().message()).isEqualTo("local job limit 1/1");
        assertThat(limitsAsked).containsOnly(QueuePlanner.FIRST_PREFIX);
    }

    /** {@code reader}, recording every limit asked of {@code pendingInDispatchOrder}. */
    private static JobReader recording(JobReader reader, List<Integer> limits) {
        return (JobReader) Proxy.newProxyInstance(QueuePlannerTest.class.getClassLoader(), new Class<?>[] {JobReader.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("pendingInDispatchOrder")) {
                        limits.add((Integer) args[2]);
                    }
                    return method.invoke(reader, args);
                });
    }

    private static List<JobId> ids(List<Job> jobs) {
        return jobs.stream().map(Job::id).toList();
    }
}
