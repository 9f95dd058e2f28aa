package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.QueueHarness.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.port.JobQuery;
import dev.gpuqueue.core.testing.QueueHarness;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real threads at once: submitters, cancellers, runners finishing attempts, passes, and a checker
 * that reads consistent snapshots throughout. Limits are fixed, so they must hold at every instant.
 */
class ConcurrencyTest extends StoreBackedTest {
    private static final List<Caller> USERS = List.of(
            new Caller(1, "alice", Level.RESEARCHER, "alpha"), new Caller(2, "bob", Level.RESEARCHER, "alpha"),
            new Caller(3, "carol", Level.RESEARCHER, "beta"), new Caller(4, "dave", Level.LEAD, null));
    private static final int SUBMITTERS = 4;
    private static final int JOBS_PER_SUBMITTER = 60;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void concurrentSubmitsCancelsPassesAndCompletionsKeepEveryInvariant() throws Exception {
        QueueHarness h = new QueueHarness(newStore());
        h.settings(Map.of("max_concurrent", 5, "user_max_concurrent", 2, "team_max_concurrent", 3,
                "enable_fair_share", true, "local_job_max_concurrent", 4));
        QueueSettings settings = h.service().settings();
        ConcurrentLinkedQueue<JobId> submitted = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicBoolean submitting = new AtomicBoolean(true);
        AtomicInteger snapshots = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(SUBMITTERS + 5);
        List<Future<?>> workers = new ArrayList<>();
        try {
            for (int t = 0; t < SUBMITTERS; t++) {
                Caller user = USERS.get(t);
                long seed = t;
                workers.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    start.await();
                    for (int i = 0; i < JOBS_PER_SUBMITTER; i++) {
                        SubmitResult r = h.submit(user, random.nextInt(3) == 0 ? "train2" : "train");
                        submitted.add(r.jobId());
                    }
                    return null;
                }));
            }
            workers.add(pool.submit(() -> loop(start, submitting, new Random(10), random -> {
                List<JobId> ids = new ArrayList<>(submitted);
                if (!ids.isEmpty() && random.nextInt(4) == 0) {
                    h.service().cancel(ADMIN, ids.get(random.nextInt(ids.size())));
                }
            })));
            for (int f = 0; f < 2; f++) {
                workers.add(pool.submit(() -> loop(start, submitting, new Random(20), random -> {
                    List<JobId> live = h.runner.liveIds();
                    if (!live.isEmpty()) {
                        h.runner.finishIfLive(live.get(random.nextInt(live.size())), random.nextInt(5) == 0 ? 1 : 0);
                    }
                })));
            }
            workers.add(pool.submit(() -> loop(start, submitting, new Random(30), random -> h.scheduler().runOnce())));
            workers.add(pool.submit(() -> loop(start, submitting, new Random(40), random -> {
                snapshots.incrementAndGet();
                h.store.read(r -> {
                    check(r.withStatus(JobStatus.RUNNING), settings, violations);
                    return null;
                });
            })));

            start.countDown();
            for (int i = 0; i < SUBMITTERS; i++) {
                workers.get(i).get(90, TimeUnit.SECONDS);
            }
            submitting.set(false);
            for (Future<?> worker : workers) {
                worker.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        untilQuiet(h);

        assertThat(violations).as("limit or GPU violations seen by the checker").isEmpty();
        assertThat(snapshots.get()).as("the checker ran throughout").isGreaterThan(10);
        assertThat(submitted).hasSize(SUBMITTERS * JOBS_PER_SUBMITTER).doesNotHaveDuplicates();
        assertThat(h.jobCount()).isEqualTo(SUBMITTERS * JOBS_PER_SUBMITTER);
        assertThat(h.runner.overlaps()).as("attempts that overlapped another of the same job").isZero();
        Set<JobId> running = h.running().stream().map(Job::id).collect(Collectors.toSet());
        assertThat(new HashSet<>(h.runner.liveIds())).as("live attempts are exactly the running jobs").isEqualTo(running);
        Map<JobId, Long> launchesPerJob = h.runner.launched().stream()
                .collect(Collectors.groupingBy(a -> a.jobId(), Collectors.counting()));
        assertThat(launchesPerJob.values()).as("no job launched twice (no launch failures were scripted)").allMatch(n -> n == 1);
        check(h.running(), settings, violations);
        assertThat(violations).isEmpty();
        List<Job> all = h.read(r -> r.list(JobQuery.all()));
        assertThat(all).filteredOn(j -> j.status() == JobStatus.COMPLETED).isNotEmpty();
        assertThat(all).filteredOn(j -> j.status() == JobStatus.CANCELLED).isNotEmpty();
    }

    /** Finishes whatever still runs, so the end state is quiet and checkable. */
    private static void untilQuiet(QueueHarness h) {
        for (int round = 0; round < 10_000 && !h.runner.liveIds().isEmpty(); round++) {
            h.runner.liveIds().forEach(id -> h.runner.finishIfLive(id, 0));
        }
        h.scheduler().runOnce();
        for (int round = 0; round < 10_000 && !h.runner.liveIds().isEmpty(); round++) {
            h.runner.liveIds().forEach(id -> h.runner.finishIfLive(id, 0));
        }
    }

    private interface Step {
        void run(Random random);
    }

    private static Void loop(CountDownLatch start, AtomicBoolean going, Random random, Step step) throws InterruptedException {
        start.await();
        while (going.get()) {
            try {
                step.run(random);
            } catch (QueueException raceLost) {
                // a conflict is a legal answer to a race; the invariants decide whether it was handled right
            }
        }
        return null;
    }

    private static void check(List<Job> running, QueueSettings settings, ConcurrentLinkedQueue<String> violations) {
        if (running.size() > settings.maxConcurrent()) {
            violations.add("running " + running.size() + " > " + settings.maxConcurrent());
        }
        Map<Long, Integer> perUser = new HashMap<>();
        Map<String, Integer> perTeam = new HashMap<>();
        Set<Integer> gpus = new HashSet<>();
        for (Job job : running) {
            perUser.merge(job.userId(), 1, Integer::sum);
            if (job.teamId() != null) {
                perTeam.merge(job.teamId(), 1, Integer::sum);
            }
            for (Integer gpu : job.allocatedGpus()) {
                if (!gpus.add(gpu)) {
                    violations.add("GPU " + gpu + " held twice");
                }
            }
        }
        perUser.forEach((u, n) -> {
            if (n > settings.userMaxConcurrent()) {
                violations.add("user " + u + " runs " + n);
            }
        });
        perTeam.forEach((t, n) -> {
            if (n > settings.teamMaxConcurrent()) {
                violations.add("team " + t + " runs " + n);
            }
        });
        if (running.size() > settings.localJobMaxConcurrent()) {
            violations.add("local jobs " + running.size());
        }
    }
}
