package dev.gpuqueue.core.testing;

import static dev.gpuqueue.core.testing.TestJobs.ALICE;
import static dev.gpuqueue.core.testing.TestJobs.BOB;
import static dev.gpuqueue.core.testing.TestJobs.T0;
import static dev.gpuqueue.core.testing.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.ConcurrentUpdateException;
import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.JobNotFoundException;
import dev.gpuqueue.core.model.ArrayMember;
import dev.gpuqueue.core.model.Dependency;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.JobType;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.Target;
import dev.gpuqueue.core.model.TimeSpan;
import dev.gpuqueue.core.policy.DispatchOrder;
import dev.gpuqueue.core.port.JobQuery;
import dev.gpuqueue.core.port.JobReader;
import dev.gpuqueue.core.port.JobStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link JobStore} must do. An implementation's test extends this and supplies a fresh,
 * empty store per test.
 */
public abstract class JobStoreContract {
    protected JobStore store;

    /** A new, empty store (a fresh database file for durable stores). */
    protected abstract JobStore newStore() throws Exception;

    @BeforeEach
    void createStore() throws Exception {
        store = newStore();
    }

    protected Job insert(Job job) {
        return store.inTransaction(tx -> tx.insert(job));
    }

    protected Job find(JobId id) {
        return store.read(r -> r.find(id)).orElseThrow();
    }

    // Typed reads: AssertJ cannot pick an assertThat overload for a generic lambda result.
    protected Optional<Job> maybe(Function<JobReader, Optional<Job>> read) {
        return store.read(read);
    }

    protected List<Job> jobs(Function<JobReader, List<Job>> read) {
        return store.read(read);
    }

    protected long number(Function<JobReader, Long> read) {
        return store.read(read);
    }

    protected List<QueueEvent> eventsOf(JobId id) {
        return store.read(r -> r.events(id));
    }

    protected QueueSettings settings() {
        return store.read(JobReader::settings);
    }

    /** A job with every optional field set, to check that nothing is lost on the way through the store. */
    protected static Job fullyLoaded() {
        JobSpec spec = JobSpec.builder()
                .command(List.of("python", "train.py", "--lr", "3e-4", "quote\"s and spaces"))
                .numProcesses(2).deviceIds(List.of(3, 1)).env(Map.of("A", "1", "EMPTY", ""))
                .workingDir("/work/run").estimatedCost(12.5).maxAttempts(4).maxRuntimeSeconds(3600L)
                .runName("quick-run").build();
        Instant started = T0.plusMillis(1500).plusNanos(7_000);
        return Job.builder()
                .id(JobId.of("full-job")).type(JobType.CLOUD).provider("replicate").configName("big.cfg").spec(spec)
                .submitter(ALICE).priority(20).priorityOverride(45).status(JobStatus.RUNNING).target(Target.WORKER)
                .anyGpu(true).workerLabels(Map.of("gpu_type", "a100*", "location", "us-*")).requiresApproval(true)
                .approvalId(7L).queuedAt(T0.plusNanos(123_000)).agingSince(T0.plusSeconds(1)).startedAt(started)
                .attempt(2).placement(Placement.worker("worker-9"))
                .process(new ProcessRef(4242, started.plusMillis(3))).exitCode(null).errorMessage("retry after loss")
                .metadata(Map.of("run_name", "quick-run", "note", "ünïcödé ✓")).idempotencyKey("key-1")
                .build();
    }

    @Test
    void insertAssignsIncreasingSequenceNumbersAndVersionZero() {
        Job a = insert(job().build());
        Job b = insert(job().build());

        assertThat(a.seq()).isPositive();
        assertThat(b.seq()).isGreaterThan(a.seq());
        assertThat(a.version()).isZero();
        assertThat(find(a.id())).isEqualTo(a);
    }

    @Test
    void everyFieldSurvivesTheRoundTrip() {
        Job stored = insert(fullyLoaded());

        Job found = find(stored.id());

        assertThat(found).isEqualTo(stored);
        assertThat(found.queuedAt()).isEqualTo(T0.plusNanos(123_000));
        assertThat(found.spec().deviceIds()).containsExactly(3, 1);
        assertThat(found.metadata()).containsEntry("note", "ünïcödé ✓");
    }

    @Test
    void aDuplicateIdOrIdempotencyKeyIsAConflictAndChangesNothing() {
        Job first = insert(job().id("dup").user(ALICE).build().toBuilder().idempotencyKey("k").build());

        assertThatThrownBy(() -> insert(job().id("dup").build())).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> insert(job().user(ALICE).build().toBuilder().idempotencyKey("k").build()))
                .isInstanceOf(ConflictException.class);
        Job otherUsersKey = insert(job().user(BOB).build().toBuilder().idempotencyKey("k").build());

        assertThat(maybe(r -> r.findByIdempotencyKey(ALICE.userId(), "k"))).contains(first);
        assertThat(maybe(r -> r.findByIdempotencyKey(BOB.userId(), "k"))).contains(otherUsersKey);
        assertThat(number(r -> r.count(JobQuery.all()))).isEqualTo(2);
    }

    @Test
    void onlyInitialStatusesCanBeInserted() {
        Job completed = job().running(0).build().completed(0, T0);
        assertThatThrownBy(() -> insert(completed)).isInstanceOf(ConflictException.class);
    }

    @Test
    void updateIsACompareAndSetOnStatusAndVersion() {
        Job pending = insert(job().build());
        Job running = store.inTransaction(tx -> tx.update(pending, pending.dispatched(Placement.localGpus(List.of(0)), T0)));

        assertThat(running.version()).isEqualTo(1);
        assertThat(find(pending.id())).isEqualTo(running);

        // A writer still holding the old read loses, and nothing changes.
        assertThatThrownBy(() -> store.inTransaction(tx -> tx.update(pending, pending.cancelled(T0))))
                .isInstanceOf(ConcurrentUpdateException.class);
        assertThat(find(pending.id()).status()).isEqualTo(JobStatus.RUNNING);

        Job sameVersionWrongStatus = running.toBuilder().status(JobStatus.PENDING).placement(Placement.NONE).build();
        assertThatThrownBy(() -> store.inTransaction(tx -> tx.update(sameVersionWrongStatus, running.completed(0, T0))))
                .isInstanceOf(ConcurrentUpdateException.class);
    }

    @Test
    void updatingAMissingJobSaysSo() {
        Job never = job().build();
        assertThatThrownBy(() -> store.inTransaction(tx -> tx.update(never, never.cancelled(T0))))
                .isInstanceOf(JobNotFoundException.class);
    }

    @Test
    void aFailedUnitOfWorkLeavesNoTrace() {
        Job kept = insert(job().build());
        QueueSettings before = settings();

        assertThatThrownBy(() -> store.inTransaction(tx -> {
            tx.insert(job().id("ghost").build());
            Job updated = tx.update(kept, kept.cancelled(T0));
            tx.append(QueueEvent.of(kept, updated, T0, "test", QueueEvent.Type.CANCELLED, null));
            tx.saveSettings(before.toBuilder().maxConcurrent(42).build());
            throw new IllegalStateException("boom");
        })).isInstanceOf(IllegalStateException.class).hasMessage("boom");

        assertThat(maybe(r -> r.find(JobId.of("ghost")))).isEmpty();
        assertThat(find(kept.id())).isEqualTo(kept);
        assertThat(eventsOf(kept.id())).isEmpty();
        assertThat(settings()).isEqualTo(before);
        assertThat(insert(job().build()).seq()).isGreaterThan(kept.seq());
    }

    @Test
    void withStatusAndCountsReflectEveryChange() {
        Job a = insert(job().user(ALICE).build());
        insert(job().user(ALICE).blocked().build());
        Job c = insert(job().user(BOB).build());
        store.inTransaction(tx -> tx.update(c, c.dispatched(Placement.localGpus(List.of(0)), T0)));
        store.inTransaction(tx -> tx.update(a, a.cancelled(T0)));

        assertThat(jobs(r -> r.withStatus(JobStatus.RUNNING))).extracting(Job::id).containsExactly(c.id());
        assertThat(jobs(r -> r.withStatus(JobStatus.PENDING))).isEmpty();
        Map<JobStatus, Long> counts = store.read(JobReader::countByStatus);
        assertThat(counts).containsOnlyKeys(JobStatus.values());
        assertThat(counts).containsEntry(JobStatus.RUNNING, 1L).containsEntry(JobStatus.BLOCKED, 1L)
                .containsEntry(JobStatus.CANCELLED, 1L).containsEntry(JobStatus.PENDING, 0L);
        Map<Long, Long> active = store.read(JobReader::activeCountByUser);
        assertThat(active).containsOnly(Map.entry(ALICE.userId(), 1L), Map.entry(BOB.userId(), 1L));
    }

    @Test
    void listFiltersOrdersAndPages() {
        List<Job> inserted = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            inserted.add(insert(job().user(i % 2 == 0 ? ALICE : BOB).build()));
        }
        Job done = inserted.get(0);
        store.inTransaction(tx -> tx.update(done, done.cancelled(T0.plusSeconds(50))));
        Job done2 = inserted.get(3);
        store.inTransaction(tx -> tx.update(done2, done2.cancelled(T0.plusSeconds(10))));

        List<Job> newest = store.read(r -> r.list(JobQuery.all()));
        assertThat(newest).extracting(Job::seq).isSortedAccordingTo((x, y) -> Long.compare(y, x));

        JobQuery alicePage = new JobQuery(Set.of(), ALICE.userId(), JobQuery.Order.NEWEST_FIRST, 2, 1);
        assertThat(jobs(r -> r.list(alicePage))).extracting(Job::id)
                .containsExactly(inserted.get(2).id(), inserted.get(0).id());
        assertThat(number(r -> r.count(alicePage))).isEqualTo(3);

        JobQuery cancelled = new JobQuery(Set.of(JobStatus.CANCELLED), null, JobQuery.Order.RECENTLY_COMPLETED_FIRST, 10, 0);
        assertThat(jobs(r -> r.list(cancelled))).extracting(Job::id).containsExactly(done.id(), done2.id());
    }

    @Test
    void waitsAndRunsAreSelectedByWhenTheyEnded() {
        Job early = insert(job().queuedAt(T0.minusSeconds(30)).build());
        Job late = insert(job().queuedAt(T0).build());
        Job failing = insert(job().queuedAt(T0).build());
        Job earlyRunning = store.inTransaction(tx -> tx.update(early, early.dispatched(Placement.localGpus(List.of(0)), T0)));
        store.inTransaction(tx -> tx.update(late, late.dispatched(Placement.localGpus(List.of(1)), T0.plusSeconds(100))));
        Job failingRunning = store.inTransaction(tx -> tx.update(failing, failing.dispatched(Placement.localGpus(List.of(2)), T0)));
        store.inTransaction(tx -> tx.update(earlyRunning, earlyRunning.completed(0, T0.plusSeconds(200))));
        store.inTransaction(tx -> tx.update(failingRunning, failingRunning.failed("exit 1", 1, T0.plusSeconds(300))));

        assertThat(store.<List<TimeSpan>>read(r -> r.waitsStartedSince(T0.plusSeconds(50))))
                .containsExactly(new TimeSpan(T0, T0.plusSeconds(100)));
        assertThat(store.<List<TimeSpan>>read(r -> r.waitsStartedSince(T0))).containsExactlyInAnyOrder(
                new TimeSpan(T0.minusSeconds(30), T0), new TimeSpan(T0, T0.plusSeconds(100)), new TimeSpan(T0, T0));
        assertThat(store.<List<TimeSpan>>read(r -> r.runsCompletedSince(T0.plusSeconds(200)))).as("completed jobs only")
                .containsExactly(new TimeSpan(T0, T0.plusSeconds(200)));
        assertThat(store.<List<TimeSpan>>read(r -> r.runsCompletedSince(T0.plusSeconds(201)))).isEmpty();
    }

    @Test
    void eventsAreKeptInOrderPerJobWithIncreasingIds() {
        Job a = insert(job().build());
        List<QueueEvent> appended = store.inTransaction(tx -> List.of(
                tx.append(QueueEvent.of(null, a, T0, "alice", QueueEvent.Type.SUBMITTED, "queued")),
                tx.append(new QueueEvent(0, QueueEvent.Type.DISPATCHED, T0.plusSeconds(1), "scheduler", a.id(), a.userId(),
                        JobStatus.PENDING, JobStatus.RUNNING, "on GPUs [0]")),
                tx.append(QueueEvent.settingsChanged(T0.plusSeconds(2), "root", "max_concurrent 5 -> 6"))));

        List<QueueEvent> events = eventsOf(a.id());
        assertThat(events).extracting(QueueEvent::type).containsExactly(QueueEvent.Type.SUBMITTED, QueueEvent.Type.DISPATCHED);
        assertThat(events.get(0).from()).isNull();
        assertThat(events.get(0).userId()).isEqualTo(a.userId());
        assertThat(events.get(1).detail()).isEqualTo("on GPUs [0]");
        assertThat(events.get(1).at()).isEqualTo(T0.plusSeconds(1));
        assertThat(eventsOf(JobId.of("unknown"))).isEmpty();
        assertThat(appended).extracting(QueueEvent::id).isSorted().doesNotHaveDuplicates().allMatch(id -> id > 0);
        assertThat(events).containsExactlyElementsOf(appended.subList(0, 2));
        List<QueueEvent> all = store.read(r -> r.eventsAfter(0, 100));
        assertThat(all).containsExactlyElementsOf(appended);
        List<QueueEvent> second = store.read(r -> r.eventsAfter(appended.get(0).id(), 1));
        assertThat(second).containsExactly(appended.get(1));
        long last = store.read(r -> r.lastEventId());
        assertThat(last).isEqualTo(appended.get(2).id());
    }

    @Test
    void listenersHearCommittedEventsInCommitOrderAndNothingOfARollback() throws Exception {
        List<QueueEvent> heard = Collections.synchronizedList(new ArrayList<>());
        store.addCommitListener(heard::addAll);
        Job a = insert(job().build());
        assertThatThrownBy(() -> store.inTransaction(tx -> {
            tx.append(QueueEvent.settingsChanged(T0, "root", "rolled back"));
            throw new IllegalStateException("boom");
        })).hasMessage("boom");
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            done.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < 25; i++) {
                    store.inTransaction(tx -> {
                        tx.append(QueueEvent.settingsChanged(T0, "w", "one"));
                        return tx.append(QueueEvent.settingsChanged(T0, "w", "two"));
                    });
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        assertThat(heard).hasSize(writers * 25 * 2);
        assertThat(heard).extracting(QueueEvent::id).as("commit order is id order").isSorted().doesNotHaveDuplicates();
        assertThat(heard).noneMatch(e -> "rolled back".equals(e.detail()));
        List<QueueEvent> stored = store.read(r -> r.eventsAfter(0, 10_000));
        assertThat(stored).containsExactlyElementsOf(heard);
        for (int i = 0; i < heard.size(); i += 2) {
            assertThat(heard.get(i + 1).id()).as("a unit's events stay together").isEqualTo(heard.get(i).id() + 1);
        }
        assertThat(a).isNotNull();
    }

    @Test
    void settingsDefaultAndPersist() {
        assertThat(settings()).isEqualTo(QueueSettings.DEFAULTS);
        QueueSettings changed = QueueSettings.DEFAULTS.toBuilder().maxConcurrent(9).localGpuMaxConcurrent(3)
                .approvalCostThreshold(2.5).enableFairShare(true).build();

        store.inTransaction(tx -> {
            tx.saveSettings(changed);
            return null;
        });

        assertThat(settings()).isEqualTo(changed);
    }

    @Test
    void cleanupDeletesOnlyOldTerminalJobsWithTheirEvents() {
        Job old = insert(job().build());
        Job recent = insert(job().build());
        Job active = insert(job().build());
        store.inTransaction(tx -> {
            tx.update(old, old.cancelled(T0));
            tx.update(recent, recent.cancelled(T0.plus(Duration.ofDays(40))));
            tx.append(QueueEvent.of(null, old, T0, "alice", QueueEvent.Type.SUBMITTED, null));
            return null;
        });

        List<JobId> deleted = store.inTransaction(tx -> tx.deleteTerminalCompletedBefore(T0.plus(Duration.ofDays(30))));

        assertThat(deleted).containsExactly(old.id());
        assertThat(maybe(r -> r.find(old.id()))).isEmpty();
        assertThat(eventsOf(old.id())).isEmpty();
        assertThat(maybe(r -> r.find(recent.id()))).isPresent();
        assertThat(maybe(r -> r.find(active.id()))).isPresent();
    }

    @Test
    void pendingJobsComeInDispatchOrderAcrossAgingBandsAndCountsAheadMatch() {
        QueueSettings settings = QueueSettings.DEFAULTS.toBuilder()
                .starvationThresholdMinutes(30).starvationBoost(7).starvationMaxBoost(20).build();
        Instant now = T0.plus(Duration.ofHours(6));
        Random random = new Random(11);
        List<Job> pending = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Instant queued = T0.plusSeconds(random.nextInt(6 * 3600));
            TestJobs.Draft draft = job().level(Level.values()[random.nextInt(4)]).queuedAt(random.nextInt(5) == 0 ? T0 : queued)
                    .agingSince(random.nextInt(10) == 0 ? now.plusSeconds(60) : queued);
            if (random.nextInt(4) == 0) {
                draft.override(random.nextInt(51));
            }
            pending.add(insert(draft.build()));
        }
        insert(job().blocked().level(Level.ADMIN).build());
        Job running = insert(job().level(Level.ADMIN).build());
        store.inTransaction(tx -> tx.update(running, running.dispatched(Placement.localGpus(List.of(0)), T0)));

        List<Job> expected = DispatchOrder.rank(jobs(r -> r.withStatus(JobStatus.PENDING)), settings, now).stream()
                .map(QueueEntry::job).toList();

        assertThat(expected).hasSize(300);
        assertThat(jobs(r -> r.pendingInDispatchOrder(settings, now, 1000))).extracting(Job::id)
                .containsExactlyElementsOf(expected.stream().map(Job::id).toList());
        assertThat(jobs(r -> r.pendingInDispatchOrder(settings, now, 25))).extracting(Job::id)
                .containsExactlyElementsOf(expected.subList(0, 25).stream().map(Job::id).toList());
        for (int i = 0; i < expected.size(); i += 37) {
            Job job = expected.get(i);
            assertThat(number(r -> r.countPendingAhead(job, settings, now))).as("ahead of position " + (i + 1)).isEqualTo(i);
        }
        Job hypothetical = job().level(Level.LEAD).queuedAt(now).build();
        long aheadOfNew = expected.stream()
                .filter(j -> DispatchOrder.effectivePriority(j, settings, now) >= Level.LEAD.basePriority()).count();
        assertThat(number(r -> r.countPendingAhead(hypothetical, settings, now))).isEqualTo(aheadOfNew);
    }

    @Test
    void oneUsersPendingJobsComeInDispatchOrderPageByPage() {
        QueueSettings settings = QueueSettings.DEFAULTS.toBuilder()
                .starvationThresholdMinutes(30).starvationBoost(7).starvationMaxBoost(20).build();
        Instant now = T0.plus(Duration.ofHours(6));
        Random random = new Random(5);
        for (int i = 0; i < 120; i++) {
            Instant queued = T0.plusSeconds(random.nextInt(6 * 3600));
            TestJobs.Draft draft = job().user(random.nextBoolean() ? TestJobs.ALICE : TestJobs.BOB)
                    .level(Level.values()[random.nextInt(4)]).queuedAt(queued).agingSince(queued);
            if (random.nextInt(4) == 0) {
                draft.override(random.nextInt(51));
            }
            insert(draft.build());
        }
        insert(job().user(TestJobs.ALICE).blocked().build());
        List<Job> expected = DispatchOrder.rank(jobs(r -> r.withStatus(JobStatus.PENDING)), settings, now).stream()
                .map(QueueEntry::job).filter(j -> j.userId() == TestJobs.ALICE.userId()).toList();

        List<Job> paged = new ArrayList<>();
        for (int offset = 0; offset < expected.size() + 10; offset += 10) {
            int from = offset;
            paged.addAll(jobs(r -> r.pendingOfUserInDispatchOrder(TestJobs.ALICE.userId(), settings, now, 10, from)));
        }

        assertThat(paged).extracting(Job::id).containsExactlyElementsOf(expected.stream().map(Job::id).toList());
        assertThat(jobs(r -> r.pendingOfUserInDispatchOrder(99, settings, now, 10, 0))).isEmpty();
    }

    @Test
    void aKubernetesJobsRunnerAndSectionSurviveTheRoundTrip() {
        Map<String, Object> section = Map.of("image", "pytorch/pytorch:2.5.1", "queue_name", "team-a",
                "resources", Map.of("memory", "64Gi", "cpu", 8));
        Job stored = insert(job().kubernetes(section).build());

        Job found = find(stored.id());

        assertThat(found).isEqualTo(stored);
        assertThat(found.namedRunner()).isEqualTo("kubernetes");
        assertThat(found.spec().kubernetes()).isEqualTo(section);
    }

    @Test
    void dependenciesAndArrayMembershipSurviveTheRoundTrip() {
        Job first = insert(job().build());
        Job stored = insert(job().build().toBuilder()
                .dependsOn(List.of(Dependency.on(first.id()), new Dependency(JobId.of("other"), Dependency.Condition.FAILED)))
                .awaitingDependencies(true)
                .array(new ArrayMember(first.id().value(), 7, 4, Map.of("lr", "0.0001")))
                .build());

        Job found = find(stored.id());

        assertThat(found).isEqualTo(stored);
        assertThat(found.dependsOn()).extracting(d -> d.condition().wireName()).containsExactly("succeeded", "failed");
        assertThat(found.array().maxRunning()).isEqualTo(4);
        assertThat(found.array().parameters()).containsExactly(Map.entry("lr", "0.0001"));
    }

    @Test
    void jobsAwaitingDependenciesAreFoundByTheJobTheyWaitForAndStayOutOfTheDispatchOrder() {
        Job training = insert(job().build());
        Job eval = insert(job().build().toBuilder().dependsOn(List.of(Dependency.on(training.id())))
                .awaitingDependencies(true).build());
        Job other = insert(job().build());

        assertThat(jobs(r -> r.awaiting(training.id()))).extracting(Job::id).containsExactly(eval.id());
        assertThat(jobs(JobReader::awaitingDependencies)).extracting(Job::id).containsExactly(eval.id());
        assertThat(jobs(r -> r.pendingInDispatchOrder(QueueSettings.DEFAULTS, T0, 10))).extracting(Job::id)
                .containsExactly(training.id(), other.id());
        assertThat(number(r -> r.countPendingAhead(other, QueueSettings.DEFAULTS, T0))).isEqualTo(1);

        Job released = store.inTransaction(tx -> tx.update(eval, eval.dependenciesMet()));

        assertThat(jobs(r -> r.awaiting(training.id()))).isEmpty();
        assertThat(jobs(r -> r.pendingInDispatchOrder(QueueSettings.DEFAULTS, T0.plusSeconds(5), 10)))
                .extracting(Job::id).as("in submit order, like any pending job").containsExactly(training.id(), released.id(), other.id());
    }

    @Test
    void insertAllStoresJobsInOrderAsInsertWouldAndRefusesATakenKeyWhole() {
        Job before = insert(job().build());
        List<Job> drafts = List.of(job().build(), job().build(), job().build());

        List<Job> stored = store.inTransaction(tx -> tx.insertAll(drafts));

        assertThat(stored).extracting(Job::id).containsExactlyElementsOf(drafts.stream().map(Job::id).toList());
        assertThat(stored).extracting(Job::seq).isSorted().doesNotHaveDuplicates()
                .allMatch(seq -> seq > before.seq());
        for (Job job : stored) {
            assertThat(find(job.id())).isEqualTo(job);
        }
        long count = number(r -> r.count(JobQuery.all()));
        List<Job> clash = List.of(job().build(), job().build().toBuilder().id(before.id()).build());
        assertThatThrownBy(() -> store.inTransaction(tx -> tx.insertAll(clash))).isInstanceOf(ConflictException.class);
        assertThat(number(r -> r.count(JobQuery.all()))).as("nothing of a refused batch is kept").isEqualTo(count);
        Optional<Job> first = store.read(r -> r.find(clash.get(0).id()));
        assertThat(first).isEmpty();
    }

    @Test
    void appendAllGivesEventsIncreasingIdsInOrder() {
        Job job = insert(job().build());
        List<QueueEvent> events = store.inTransaction(tx -> tx.appendAll(List.of(
                QueueEvent.of(null, job, T0, "a", QueueEvent.Type.SUBMITTED, "one"),
                QueueEvent.of(job, job, T0, "b", QueueEvent.Type.PRIORITY_CHANGED, "two"))));

        assertThat(events).extracting(QueueEvent::id).isSorted().doesNotHaveDuplicates();
        List<QueueEvent> read = store.read(r -> r.events(job.id()));
        assertThat(read).containsExactlyElementsOf(events);
    }

    @Test
    void theShortestTimeLimitAmongPendingLocalJobsIsKept() {
        assertThat(store.read(JobReader::shortestPendingLocalTimeLimit)).isNull();
        Job longer = insert(job().build().toBuilder().spec(JobSpec.builder().command(List.of("a")).maxRuntimeSeconds(900L).build()).build());
        Job shorter = insert(job().build().toBuilder().spec(JobSpec.builder().command(List.of("a")).maxRuntimeSeconds(60L).build()).build());
        insert(job().target(Target.WORKER).build().toBuilder().spec(JobSpec.builder().command(List.of("a")).maxRuntimeSeconds(5L).build()).build());

        assertThat(store.read(JobReader::shortestPendingLocalTimeLimit)).as("a worker job is not local").isEqualTo(60L);
        store.inTransaction(tx -> tx.update(shorter, shorter.cancelled(T0)));
        assertThat(store.read(JobReader::shortestPendingLocalTimeLimit)).isEqualTo(900L);
        store.inTransaction(tx -> tx.update(longer, longer.dispatched(Placement.localGpus(List.of(0)), T0)));
        assertThat(store.read(JobReader::shortestPendingLocalTimeLimit)).isNull();
    }

    @Test
    void anArraysJobsAreReadByIndex() {
        Job first = insert(job().build().toBuilder().array(new ArrayMember("arr-1", 0, null, Map.of())).build());
        insert(job().build());
        Job second = insert(job().build().toBuilder().array(new ArrayMember("arr-1", 1, null, Map.of())).build());

        assertThat(jobs(r -> r.arrayJobs("arr-1"))).extracting(Job::id).containsExactly(first.id(), second.id());
        assertThat(jobs(r -> r.arrayJobs("unknown"))).isEmpty();
    }

    @Test
    void pendingJobsForLocalGpusExcludeWorkerCloudAndKubernetesJobs() {
        insert(job().build());
        insert(job().target(Target.LOCAL).build());
        insert(job().target(Target.WORKER).build());
        insert(job().cloud("replicate").build());
        insert(job().kubernetes(Map.of("image", "busybox")).build());
        insert(job().blocked().build());

        assertThat(number(JobReader::countPendingForLocalGpus)).isEqualTo(2);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentUnitsOfWorkAreSerializedSoNoUpdateIsLost() throws Exception {
        Job counter = insert(job().build());
        int threads = 4;
        int perThread = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        store.inTransaction(tx -> {
                            Job current = tx.find(counter.id()).orElseThrow();
                            int n = Integer.parseInt(current.metadata().getOrDefault("n", "0"));
                            return tx.update(current, current.toBuilder().metadata(Map.of("n", String.valueOf(n + 1))).build());
                        });
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        Job result = find(counter.id());
        assertThat(result.metadata()).containsEntry("n", String.valueOf(threads * perThread));
        assertThat(result.version()).isEqualTo(threads * perThread);
    }
}
