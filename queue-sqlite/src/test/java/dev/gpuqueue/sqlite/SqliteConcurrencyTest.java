package dev.gpuqueue.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.testing.QueueHarness;
import java.nio.file.Path;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real threads against one SQLite file: 8 submitters x 500 submits while passes, cancels and
 * completions run. Afterwards every acknowledged submit is stored exactly once, no attempt
 * overlapped another, and replaying the stored event history in commit order shows the limits
 * held at every commit.
 */
class SqliteConcurrencyTest {
    private static final int THREADS = 8;
    private static final int SUBMITS = 500;
    private static final int MAX_CONCURRENT = 6;
    private static final int USER_MAX = 2;
    private static final int TEAM_MAX = 3;
    private static final int LOCAL_JOBS = 4;
    private static final Pattern GPUS = Pattern.compile("on GPUs \\[([0-9, ]*)]");

    @TempDir
    Path home;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void concurrentSubmitsAreStoredOnceAndLimitsHoldAtEveryCommit() throws Exception {
        // NORMAL durability: this test is about concurrency; FULL is covered by the crash tests.
        SqliteDatabase db = SqliteDatabase.open(SqliteOptions.inHome(home).withSynchronous("NORMAL"));
        try {
            QueueHarness h = new QueueHarness(new SqliteJobStore(db));
            h.settings(Map.of("max_concurrent", MAX_CONCURRENT, "user_max_concurrent", USER_MAX,
                    "team_max_concurrent", TEAM_MAX, "enable_fair_share", true, "local_job_max_concurrent", LOCAL_JOBS));
            ConcurrentLinkedQueue<JobId> acknowledged = run(h);

            assertThat(acknowledged).hasSize(THREADS * SUBMITS).doesNotHaveDuplicates();
            Map<String, Integer> rows = new HashMap<>();
            db.read(h2 -> h2.createQuery("SELECT job_id, COUNT(*) AS n FROM jobs GROUP BY job_id")
                    .map((rs, ctx) -> Map.entry(rs.getString("job_id"), rs.getInt("n"))).list())
                    .forEach(e -> rows.put(e.getKey(), e.getValue()));
            assertThat(rows).hasSize(THREADS * SUBMITS);
            assertThat(rows.values()).containsOnly(1);
            for (JobId id : acknowledged) {
                assertThat(rows).containsKey(id.value());
            }
            assertThat(h.runner.overlaps()).isZero();
            replayEventHistory(db);
        } finally {
            db.close();
        }
    }

    private static ConcurrentLinkedQueue<JobId> run(QueueHarness h) throws Exception {
        ConcurrentLinkedQueue<JobId> acknowledged = new ConcurrentLinkedQueue<>();
        AtomicBoolean going = new AtomicBoolean(true);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS + 3);
        List<Future<?>> submitters = new ArrayList<>();
        List<Future<?>> others = new ArrayList<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                Caller user = new Caller(t + 1, "user" + t, Level.RESEARCHER, "team" + (t % 3));
                submitters.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < SUBMITS; i++) {
                        acknowledged.add(h.submit(user, i % 4 == 0 ? "train2" : "train").jobId());
                    }
                    return null;
                }));
            }
            others.add(pool.submit(() -> repeat(start, going, new Random(1), random -> {
                List<JobId> ids = new ArrayList<>(acknowledged);
                if (!ids.isEmpty()) {
                    h.service().cancel(QueueHarness.ADMIN, ids.get(random.nextInt(ids.size())));
                }
            })));
            others.add(pool.submit(() -> repeat(start, going, new Random(2), random -> {
                List<JobId> live = h.runner.liveIds();
                if (!live.isEmpty()) {
                    h.runner.finishIfLive(live.get(random.nextInt(live.size())), random.nextInt(6) == 0 ? 1 : 0);
                }
            })));
            others.add(pool.submit(() -> repeat(start, going, new Random(3), random -> h.scheduler().runOnce())));
            start.countDown();
            for (Future<?> f : submitters) {
                f.get(240, TimeUnit.SECONDS);
            }
            going.set(false);
            for (Future<?> f : others) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return acknowledged;
    }

    private interface Step {
        void run(Random random);
    }

    private static Void repeat(CountDownLatch start, AtomicBoolean going, Random random, Step step) throws Exception {
        start.await();
        while (going.get()) {
            try {
                step.run(random);
            } catch (QueueException lostRace) {
                // cancelling a job that just ended, say: a legal answer
            }
            // Pacing, not waiting: a pass or cancel every millisecond is still far busier than a real server.
            TimeUnit.MILLISECONDS.sleep(1);
        }
        return null;
    }

    private record Running(long user, String team, Set<Integer> gpus) {}

    /** Replays the job events in commit order, checking every limit after every event. */
    private static void replayEventHistory(SqliteDatabase db) {
        record Event(String job, String type, String from, String to, String detail, long user, String team) {}
        List<Event> events = db.read(h -> h.createQuery("SELECT e.job_id, e.type, e.from_status, e.to_status, e.detail,"
                        + " j.user_id, j.team_id FROM events e JOIN jobs j ON j.job_id = e.job_id ORDER BY e.id")
                .map((rs, ctx) -> new Event(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getLong(6), rs.getString(7)))
                .list());
        Map<String, Running> running = new HashMap<>();
        int dispatches = 0;
        int maxSeen = 0;
        for (Event e : events) {
            if (e.type().equals("dispatched")) {
                assertThat(running).as("job %s dispatched while already running", e.job()).doesNotContainKey(e.job());
                Set<Integer> gpus = parseGpus(e.detail());
                for (Running other : running.values()) {
                    assertThat(other.gpus()).as("GPUs of %s held twice", e.job()).doesNotContainAnyElementsOf(gpus);
                }
                running.put(e.job(), new Running(e.user(), e.team(), gpus));
                dispatches++;
            } else if ("running".equals(e.from()) && !"running".equals(e.to())) {
                running.remove(e.job());
            }
            maxSeen = Math.max(maxSeen, running.size());
            assertThat(running.size()).as("running after event").isLessThanOrEqualTo(Math.min(MAX_CONCURRENT, LOCAL_JOBS));
            Map<Long, Integer> perUser = new HashMap<>();
            Map<String, Integer> perTeam = new HashMap<>();
            for (Running r : running.values()) {
                perUser.merge(r.user(), 1, Integer::sum);
                perTeam.merge(r.team(), 1, Integer::sum);
            }
            assertThat(perUser.values()).allMatch(n -> n <= USER_MAX);
            assertThat(perTeam.values()).allMatch(n -> n <= TEAM_MAX);
        }
        assertThat(dispatches).as("jobs were dispatched").isGreaterThan(100);
        assertThat(maxSeen).as("the limits were actually reached").isEqualTo(LOCAL_JOBS);
    }

    private static Set<Integer> parseGpus(String detail) {
        Matcher m = GPUS.matcher(detail);
        assertThat(m.find()).as("dispatch detail names its GPUs: " + detail).isTrue();
        Set<Integer> gpus = new HashSet<>();
        for (String part : m.group(1).split(",\\s*")) {
            gpus.add(Integer.parseInt(part.trim()));
        }
        return gpus;
    }
}
