package dev.gpuqueue.core.memory;

import static dev.gpuqueue.core.testing.TestJobs.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.Submitter;
import dev.gpuqueue.core.policy.DispatchOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The in-memory index against the one dispatch order ({@code DispatchOrder.rank} over every pending
 * job): after random submits, approvals (jobs that age from another moment), overrides, starts and
 * ends, at many moments and under several aging settings, the first jobs and every job's position
 * agree.
 */
class ActiveJobsTest {
    private final Random random = new Random(2026);
    private final ActiveJobs index = new ActiveJobs();
    private final Map<JobId, Job> reference = new HashMap<>();
    private long seq;

    private static final List<QueueSettings> SETTINGS = List.of(QueueSettings.DEFAULTS,
            QueueSettings.DEFAULTS.toBuilder().starvationBoost(1).starvationMaxBoost(7).starvationThresholdMinutes(3).build(),
            QueueSettings.DEFAULTS.toBuilder().starvationBoost(0).build());

    private Job newJob(Instant now) {
        Level level = Level.values()[random.nextInt(Level.values().length)];
        long user = 1 + random.nextInt(6);
        Job.Builder job = Job.builder().id(JobId.generate()).seq(++seq).configName("cfg").spec(JobSpec.of("t"))
                .submitter(new Submitter(user, "u" + user, null)).priority(level.basePriority())
                .queuedAt(now.minusSeconds(random.nextInt(3_600) * (random.nextInt(4) == 0 ? 10L : 1L)));
        if (random.nextInt(5) == 0) {
            job.priorityOverride(random.nextInt(51));
        }
        Job built = job.agingSince(now).build();
        Instant queued = built.queuedAt();
        if (random.nextInt(4) != 0) {
            return built.toBuilder().agingSince(queued).build();
        }
        return built.toBuilder().agingSince(now.minusSeconds(random.nextInt(600))).build();
    }

    private void store(Job job) {
        index.put(job);
        if (job.status().isActive()) {
            reference.put(job.id(), job);
        } else {
            reference.remove(job.id());
        }
    }

    @Test
    void dispatchOrderAndPositionsAgreeWithTheReferenceRankingThroughRandomChanges() {
        Instant now = T0.plus(Duration.ofDays(1));
        for (int step = 0; step < 3_000; step++) {
            now = now.plusSeconds(random.nextInt(90));
            List<Job> pending = reference.values().stream().filter(j -> j.status() == JobStatus.PENDING).toList();
            int roll = random.nextInt(10);
            if (roll < 5 || pending.isEmpty()) {
                store(newJob(now));
            } else {
                Job job = pending.get(random.nextInt(pending.size()));
                switch (roll) {
                    case 5 -> store(job.withPriorityOverride(random.nextInt(3) == 0 ? null : random.nextInt(51)));
                    case 6 -> store(job.dispatched(Placement.localGpus(List.of()), now).completed(0, now));
                    case 7 -> store(job.cancelled(now));
                    default -> store(job.dispatched(Placement.on("cloud"), now));
                }
            }
            if (step % 100 == 0) {
                check(now);
            }
        }
        check(now);
    }

    private void check(Instant now) {
        for (QueueSettings settings : SETTINGS) {
            List<QueueEntry> ranked = DispatchOrder.rank(reference.values(), settings, now);
            List<Job> expected = ranked.stream().map(QueueEntry::job).toList();
            assertThat(index.pendingInDispatchOrder(settings, now, Integer.MAX_VALUE)).isEqualTo(expected);
            assertThat(index.pendingInDispatchOrder(settings, now, 7)).isEqualTo(expected.stream().limit(7).toList());
            for (QueueEntry entry : ranked) {
                assertThat(index.countPendingAhead(entry.job(), settings, now)).as("ahead of " + entry.job().id())
                        .isEqualTo(entry.position() - 1L);
            }
            for (long user = 1; user <= 6; user++) {
                long u = user;
                assertThat(index.pendingOfUserInDispatchOrder(user, settings, now, 5, 1))
                        .isEqualTo(expected.stream().filter(j -> j.userId() == u).skip(1).limit(5).toList());
            }
        }
        Job candidate = newJob(now).toBuilder().seq(Long.MAX_VALUE).build();
        assertThat(index.countPendingAhead(candidate, QueueSettings.DEFAULTS, now))
                .isEqualTo(DispatchOrder.rank(withCandidate(candidate), QueueSettings.DEFAULTS, now).stream()
                        .filter(e -> e.job().id().equals(candidate.id())).findFirst().orElseThrow().position() - 1L);
        assertThat(index.count(JobStatus.PENDING)).isEqualTo(reference.values().stream()
                .filter(j -> j.status() == JobStatus.PENDING).count());
        assertThat(index.count(Set.of(JobStatus.RUNNING), 3L)).isEqualTo(reference.values().stream()
                .filter(j -> j.status() == JobStatus.RUNNING && j.userId() == 3).count());
        assertThat(index.all()).isEqualTo(reference);
    }

    private List<Job> withCandidate(Job candidate) {
        List<Job> all = new ArrayList<>(reference.values());
        all.add(candidate);
        return all;
    }

    @Test
    void terminalJobsAreNotKept() {
        Job job = newJob(T0);
        index.put(job);
        index.put(job.cancelled(T0));

        assertThat(index.find(job.id())).isEmpty();
        assertThat(index.count(JobStatus.PENDING)).isZero();
        assertThatThrownBy(() -> index.withStatus(JobStatus.CANCELLED)).isInstanceOf(IllegalArgumentException.class);
    }
}
