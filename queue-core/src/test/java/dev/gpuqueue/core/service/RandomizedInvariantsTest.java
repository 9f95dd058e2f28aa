package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.QueueHarness.ADMIN;
import static dev.gpuqueue.core.testing.QueueHarness.LEAD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.model.ArrayRequest;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Dependency;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.PendingReason;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.policy.DispatchOrder;
import dev.gpuqueue.core.port.JobQuery;
import dev.gpuqueue.core.testing.QueueHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Thousands of random operations (submit, with dependencies and as arrays, cancel, complete, fail,
 * lose, approve, reject, priority and settings changes, clock advances, launch failures), with the
 * queue's invariants checked after every step. Seeded, so a failure is reproducible from its seed.
 */
class RandomizedInvariantsTest extends StoreBackedTest {
    private static final int STEPS = 3000;
    private static final List<String> CONFIGS = List.of("train", "train", "train2", "big", "pinned23", "short", "once", "costly");
    private static final List<Caller> USERS = List.of(
            new Caller(1, "alice", Level.RESEARCHER, "alpha"), new Caller(2, "bob", Level.RESEARCHER, "alpha"),
            new Caller(3, "carol", Level.LEAD, "beta"), new Caller(4, "dave", Level.VIEWER, null),
            new Caller(5, "erin", Level.ADMIN, "beta"), new Caller(6, "frank", Level.RESEARCHER, "gamma"));

    /** The figures that must never grow past their limit. */
    private record Counts(int running, Map<Long, Integer> perUser, Map<String, Integer> perTeam, int localJobs, int localGpus) {}

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 7, 42, 2024, 99_991})
    void theQueuesInvariantsHoldAfterEveryStep(long seed) {
        Random random = new Random(seed);
        QueueHarness h = new QueueHarness(newStore());
        h.settings(Map.of("max_concurrent", 4, "user_max_concurrent", 2, "team_max_concurrent", 3,
                "enable_fair_share", true, "local_job_max_concurrent", 3));
        Map<JobId, Job> terminal = new HashMap<>();
        int[] done = new int[2];

        for (int step = 0; step < steps(); step++) {
            Counts before = counts(h);
            String op = "";
            try {
                op = act(h, random);
            } catch (QueueException refused) {
                done[1]++; // conflicts and validation errors are legal answers; they must change nothing wrongly
            }
            done[0]++;
            String where = "seed " + seed + ", step " + step + " (" + op + ")";
            checkInvariants(h, before, terminal, where);
        }
        assertThat(done[0]).isEqualTo(steps());
        assertThat(h.jobCount()).as("the run exercised the queue").isGreaterThan(steps() / 10);
        assertThat(terminal).as("jobs reached terminal states").hasSizeGreaterThan(steps() / 30);
    }

    /** How many random operations a run makes. */
    int steps() {
        return STEPS;
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {3, 11, 1234})
    void replayingEachJobsEventsGivesItsStoredStatus(long seed) {
        Random random = new Random(seed);
        QueueHarness h = new QueueHarness(newStore());
        for (int step = 0; step < steps(); step++) {
            try {
                act(h, random);
            } catch (QueueException refused) {
                // a legal answer; what it changed, if anything, is in the events
            }
        }

        List<Job> jobs = allJobs(h);
        assertThat(jobs).as("the run made jobs of every kind of history").hasSizeGreaterThan(steps() / 10);
        for (Job job : jobs) {
            List<QueueEvent> events = h.events(job.id());
            assertThat(events.get(0).type()).as(job.id() + " starts with its submit").isEqualTo(QueueEvent.Type.SUBMITTED);
            JobStatus replayed = null;
            for (QueueEvent event : events) {
                assertThat(event.from()).as("seed " + seed + ", " + job.id() + ": " + event).isEqualTo(replayed);
                replayed = event.to();
            }
            assertThat(replayed).as("seed " + seed + ", " + job.id() + " replayed").isEqualTo(job.status());
        }
        List<QueueEvent> history = h.read(r -> r.eventsAfter(0, Integer.MAX_VALUE));
        assertThat(history).extracting(QueueEvent::id).as("one history, ids strictly increasing").isSorted()
                .doesNotHaveDuplicates();
        assertThat(history).filteredOn(e -> e.type() == QueueEvent.Type.SETTINGS_CHANGED).as("settings changes")
                .isNotEmpty();
    }

    private static List<Job> allJobs(QueueHarness h) {
        List<Job> jobs = new ArrayList<>();
        List<Job> page;
        do {
            int offset = jobs.size();
            page = h.read(r -> r.list(new JobQuery(Set.of(), null, JobQuery.Order.NEWEST_FIRST, JobQuery.MAX_LIMIT, offset)));
            jobs.addAll(page);
        } while (page.size() == JobQuery.MAX_LIMIT);
        return jobs;
    }

    private static String act(QueueHarness h, Random random) {
        int roll = random.nextInt(100);
        Caller user = USERS.get(random.nextInt(USERS.size()));
        if (roll < 35) {
            SubmitRequest.Builder request = SubmitRequest.builder(CONFIGS.get(random.nextInt(CONFIGS.size())))
                    .anyGpu(random.nextInt(5) == 0).requiresApproval(random.nextInt(10) == 0);
            int kind = random.nextInt(10);
            if (kind < 3) {
                request.dependsOn(randomDependencies(h, random));
            }
            if (kind == 3 || kind == 4) {
                request.array(new ArrayRequest(null, 2 + random.nextInt(4), random.nextBoolean() ? null : 1 + random.nextInt(2)));
            } else {
                request.noWait(random.nextInt(10) == 0);
            }
            h.submit(user, request);
            return kind < 3 ? "submit with dependencies" : kind < 5 ? "submit an array" : "submit";
        }
        if (roll < 45) {
            pick(h, random, JobStatus.PENDING, JobStatus.BLOCKED, JobStatus.RUNNING)
                    .ifPresent(job -> h.service().cancel(random.nextBoolean() ? ADMIN : ownerOf(job), job.id()));
            return "cancel";
        }
        if (roll < 60) {
            List<JobId> live = h.runner.liveIds();
            if (!live.isEmpty()) {
                h.runner.finishIfLive(live.get(random.nextInt(live.size())), random.nextInt(4) == 0 ? 1 : 0);
            }
            return "finish";
        }
        if (roll < 64) {
            pick(h, random, JobStatus.RUNNING).ifPresent(job -> {
                h.runner.lose(job.id(), "runner vanished");
            });
            return "lose";
        }
        if (roll < 69) {
            pick(h, random, JobStatus.BLOCKED).ifPresent(job -> h.service().approve(ADMIN, job.id()));
            return "approve";
        }
        if (roll < 72) {
            pick(h, random, JobStatus.BLOCKED).ifPresent(job -> h.service().reject(ADMIN, job.id(), "no"));
            return "reject";
        }
        if (roll < 77) {
            pick(h, random, JobStatus.PENDING, JobStatus.BLOCKED).ifPresent(job ->
                    h.service().setPriority(LEAD, job.id(), random.nextInt(4) == 0 ? null : random.nextInt(51)));
            return "priority";
        }
        if (roll < 82) {
            Map<String, Object> change = new HashMap<>();
            change.put("max_concurrent", 1 + random.nextInt(6));
            change.put("user_max_concurrent", 1 + random.nextInt(3));
            change.put("team_max_concurrent", 1 + random.nextInt(4));
            change.put("enable_fair_share", random.nextBoolean());
            change.put("local_job_max_concurrent", 1 + random.nextInt(4));
            change.put("local_gpu_max_concurrent", random.nextInt(3) == 0 ? null : 1 + random.nextInt(4));
            change.put("approval_cost_threshold", random.nextBoolean() ? null : 10.0);
            h.settings(change);
            return "settings " + change;
        }
        if (roll < 92) {
            h.clock.advance(Duration.ofMinutes(1 + random.nextInt(90)));
            h.scheduler().enforceTimeLimits();
            return "time";
        }
        if (roll < 95) {
            h.runner.failNextLaunches(1, "scripted launch failure");
            return "fail next launch";
        }
        h.service().process(ADMIN);
        return "process";
    }

    /** One or two jobs (any status, so some are refused) with random conditions. */
    private static List<Dependency> randomDependencies(QueueHarness h, Random random) {
        List<Job> all = h.read(r -> r.list(new JobQuery(Set.of(), null, JobQuery.Order.NEWEST_FIRST, 20, 0)));
        List<Dependency> dependencies = new ArrayList<>();
        for (int i = 0; i < 1 + random.nextInt(2) && !all.isEmpty(); i++) {
            Job target = all.get(random.nextInt(all.size()));
            if (dependencies.stream().noneMatch(d -> d.jobId().equals(target.id()))) {
                dependencies.add(new Dependency(target.id(),
                        Dependency.Condition.values()[random.nextInt(Dependency.Condition.values().length)]));
            }
        }
        return dependencies;
    }

    private static Caller ownerOf(Job job) {
        return USERS.stream().filter(u -> u.userId() == job.userId()).findFirst().orElse(ADMIN);
    }

    private static Optional<Job> pick(QueueHarness h, Random random, JobStatus... statuses) {
        List<Job> candidates = new ArrayList<>();
        for (JobStatus status : statuses) {
            candidates.addAll(h.read(r -> r.withStatus(status)));
        }
        candidates.sort(Comparator.comparingLong(Job::seq));
        return candidates.isEmpty() ? Optional.empty()
                : Optional.of(candidates.get(random.nextInt(candidates.size())));
    }

    private static Counts counts(QueueHarness h) {
        List<Job> running = h.running();
        Map<Long, Integer> perUser = new HashMap<>();
        Map<String, Integer> perTeam = new HashMap<>();
        int localGpus = 0;
        for (Job job : running) {
            perUser.merge(job.userId(), 1, Integer::sum);
            if (job.teamId() != null) {
                perTeam.merge(job.teamId(), 1, Integer::sum);
            }
            localGpus += job.allocatedGpus().size();
        }
        return new Counts(running.size(), perUser, perTeam, running.size(), localGpus);
    }

    private static void checkInvariants(QueueHarness h, Counts before, Map<JobId, Job> terminal, String where) {
        QueueSettings settings = h.service().settings();
        Counts after = counts(h);

        // Limits: a count may sit above a limit that was just lowered, but never grows while it does.
        assertThat(after.running()).as(where + ": running vs max_concurrent")
                .isLessThanOrEqualTo(Math.max(settings.maxConcurrent(), before.running()));
        after.perUser().forEach((user, n) -> assertThat(n).as(where + ": user " + user)
                .isLessThanOrEqualTo(Math.max(settings.userMaxConcurrent(), before.perUser().getOrDefault(user, 0))));
        if (settings.enableFairShare()) {
            after.perTeam().forEach((team, n) -> assertThat(n).as(where + ": team " + team)
                    .isLessThanOrEqualTo(Math.max(settings.teamMaxConcurrent(), before.perTeam().getOrDefault(team, 0))));
        }
        assertThat(after.localJobs()).as(where + ": local jobs")
                .isLessThanOrEqualTo(Math.max(settings.localJobMaxConcurrent(), before.localJobs()));
        if (settings.localGpuMaxConcurrent() != null) {
            assertThat(after.localGpus()).as(where + ": local GPUs")
                    .isLessThanOrEqualTo(Math.max(settings.localGpuMaxConcurrent(), before.localGpus()));
        }

        // No GPU is held by two running jobs, and each running job holds exactly what it asked for.
        List<Job> running = h.running();
        Set<Integer> held = new HashSet<>();
        for (Job job : running) {
            assertThat(job.allocatedGpus()).as(where + ": GPUs of " + job.id()).hasSize(job.numProcesses());
            for (Integer gpu : job.allocatedGpus()) {
                assertThat(held.add(gpu)).as(where + ": GPU " + gpu + " held twice").isTrue();
            }
        }
        assertThat(held).as(where).allMatch(gpu -> gpu >= 0 && gpu < 4);

        // No job started twice: exactly the running jobs have a live attempt, and no attempt overlapped another.
        assertThat(h.runner.overlaps()).as(where + ": overlapping attempts").isZero();
        assertThat(new HashSet<>(h.runner.liveIds())).as(where + ": live attempts")
                .isEqualTo(running.stream().map(Job::id).collect(Collectors.toSet()));

        // No job started before its dependencies were met; a job awaiting them has one still open and none
        // that can never be met (it would have been released or cancelled when that job ended).
        List<Job> everyJob = h.read(r -> r.list(JobQuery.all()));
        Map<JobId, Job> byId = everyJob.stream().collect(Collectors.toMap(Job::id, j -> j));
        for (Job job : everyJob) {
            List<Dependency.State> states = job.dependsOn().stream().map(d -> d.condition().stateFor(
                    Optional.ofNullable(byId.get(d.jobId())).map(Job::status).orElse(JobStatus.CANCELLED))).toList();
            if (job.startedAt() != null) {
                assertThat(states).as(where + ": " + job.id() + " started with its dependencies met")
                        .allMatch(s -> s == Dependency.State.MET);
            }
            if (job.awaitingDependencies()) {
                assertThat(job.status()).as(where + ": " + job.id() + " awaits its dependencies")
                        .isIn(JobStatus.PENDING, JobStatus.BLOCKED);
                assertThat(states).as(where + ": " + job.id() + " awaits an open dependency")
                        .contains(Dependency.State.WAITING).doesNotContain(Dependency.State.NEVER);
            }
        }

        // An array never runs more than its max_running jobs.
        Map<String, Long> perArray = running.stream().filter(j -> j.array() != null && j.array().maxRunning() != null)
                .collect(Collectors.groupingBy(Job::arrayId, Collectors.counting()));
        perArray.forEach((array, n) -> assertThat(n).as(where + ": array " + array + " running")
                .isLessThanOrEqualTo(byId.get(JobId.of(array)).array().maxRunning()));

        // Terminal jobs never change.
        for (Job job : h.read(r -> r.list(JobQuery.all()))) {
            Job seen = terminal.get(job.id());
            if (seen != null) {
                assertThat(job).as(where + ": terminal job changed").isEqualTo(seen);
            } else if (job.status().isTerminal()) {
                terminal.put(job.id(), job);
            }
        }

        // Positions are 1..n in dispatch order.
        List<QueueEntry> entries = new ArrayList<>();
        List<QueueEntry> page;
        do {
            page = h.service().queue(ADMIN, new QueueQuery(JobStatus.PENDING, false, QueueQuery.MAX_LIMIT, entries.size()))
                    .entries();
            entries.addAll(page);
        } while (page.size() == QueueQuery.MAX_LIMIT);
        List<QueueEntry> ranked = entries.stream().filter(e -> e.position() != null).toList();
        assertThat(entries.subList(ranked.size(), entries.size())).as(where + ": after the ranked ones, those awaiting"
                + " their dependencies").allMatch(e -> e.job().awaitingDependencies()
                        && e.pendingReason().kind() == PendingReason.Kind.WAITING_FOR_DEPENDENCY);
        entries = ranked;
        for (int i = 0; i < entries.size(); i++) {
            assertThat(entries.get(i).position()).as(where).isEqualTo(i + 1);
            if (i > 0) {
                assertThat(DispatchOrder.ENTRY_ORDER.compare(entries.get(i - 1), entries.get(i)))
                        .as(where + ": dispatch order").isNegative();
            }
        }
    }
}
