package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.QueueHarness.ADMIN;
import static dev.gpuqueue.core.testing.QueueHarness.ALICE;
import static dev.gpuqueue.core.testing.QueueHarness.BOB;
import static dev.gpuqueue.core.testing.QueueHarness.LEAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.GpuQueue;
import dev.gpuqueue.core.error.PermissionDeniedException;
import dev.gpuqueue.core.error.SubscriptionLaggedException;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.port.JobQuery;
import dev.gpuqueue.core.testing.FakeGpuInventory;
import dev.gpuqueue.core.testing.MutableClock;
import dev.gpuqueue.core.testing.QueueHarness;
import dev.gpuqueue.core.testing.RecordingRunner;
import dev.gpuqueue.core.testing.TestJobs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The queue's events through the service: what a change records, and what each subscriber may see. */
class EventsTest extends StoreBackedTest {
    private QueueHarness h;

    @BeforeEach
    void queue() {
        h = new QueueHarness(newStore());
    }

    private List<QueueEvent> history() {
        return h.read(r -> r.eventsAfter(0, 10_000));
    }

    @Test
    void aSettingsChangeIsOneEventNamingWhatChangedAndAChangeToTheSameValuesIsNone() {
        h.settings(Map.of("max_concurrent", 8, "enable_fair_share", true));
        h.settings(Map.of("max_concurrent", 8));

        assertThat(history()).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(QueueEvent.Type.SETTINGS_CHANGED);
            assertThat(e.actor()).isEqualTo(ADMIN.name());
            assertThat(e.detail()).isEqualTo("max_concurrent 5 → 8, enable_fair_share false → true");
            assertThat(e.jobId()).isNull();
            assertThat(e.userId()).isNull();
        });
    }

    @Test
    void eachSubscriberSeesOnlyWhatItMaySeeFromAnyEventOn() throws Exception {
        JobId alices = h.submit(ALICE, "train").jobId();
        JobId bobs = h.submit(BOB, "train").jobId();
        h.settings(Map.of("max_concurrent", 7));
        long firstOfBob = h.events(bobs).get(0).id();

        try (Subscription alice = h.service().subscribe(ALICE, 0, null);
                Subscription lead = h.service().subscribe(LEAD, 0, null);
                Subscription bobsJob = h.service().subscribe(LEAD, 0, bobs);
                Subscription fromBob = h.service().subscribe(LEAD, firstOfBob - 1, null)) {
            h.runner.finish(alices, 0);

            assertThat(drain(alice)).as("her own jobs and the settings")
                    .allMatch(e -> alices.equals(e.jobId()) || e.type() == QueueEvent.Type.SETTINGS_CHANGED)
                    .anyMatch(e -> e.type() == QueueEvent.Type.SETTINGS_CHANGED)
                    .anyMatch(e -> e.type() == QueueEvent.Type.COMPLETED);
            assertThat(drain(lead)).extracting(QueueEvent::jobId).contains(alices, bobs);
            assertThat(drain(bobsJob)).isNotEmpty().allMatch(e -> bobs.equals(e.jobId()));
            assertThat(drain(fromBob)).first().satisfies(e -> assertThat(e.id()).isEqualTo(firstOfBob));
        }
        assertThatThrownBy(() -> h.service().subscribe(ALICE, 0, bobs)).isInstanceOf(PermissionDeniedException.class);
    }

    /** Everything the subscription has now: its history, then what is live. */
    private static List<QueueEvent> drain(Subscription subscription) throws InterruptedException {
        List<QueueEvent> all = new ArrayList<>();
        List<QueueEvent> batch;
        while (!(batch = subscription.next(Duration.ofMillis(100))).isEmpty()) {
            all.addAll(batch);
        }
        return all;
    }

    @Test
    void aSubscriberThatNeverReadsDoesNotHoldUpSubmitsAndIsToldItLagged() throws Exception {
        GpuQueue queue = GpuQueue.builder().store(newStore()).gpus(FakeGpuInventory.withGpus(4))
                .runner(new RecordingRunner()).clock(MutableClock.at(TestJobs.T0)).configs(QueueHarness.CONFIGS)
                .eventBuffer(20).build();
        Subscription stuck = queue.service().subscribe(ADMIN, queue.events().lastId(), null);

        for (int i = 0; i < 100; i++) {
            queue.service().submit(ALICE, SubmitRequest.builder("train").build());
        }

        long stored = queue.store().read(r -> r.count(JobQuery.all()));
        assertThat(stored).isEqualTo(100);
        assertThat(stuck.lagged()).isTrue();
        assertThatThrownBy(() -> stuck.next(Duration.ZERO)).isInstanceOf(SubscriptionLaggedException.class);
        assertThat(queue.events().subscriptionCount()).as("dropped, so writers no longer hand it anything").isZero();
    }
}
