package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.TestJobs.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.error.SubscriptionLaggedException;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.port.JobStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The event stream over a store: history then live, exactly once; a slow subscriber never slows a writer. */
abstract class EventStreamScenarios {
    protected JobStore store;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    /** A fresh, empty store of the kind under test. */
    protected abstract JobStore newStore() throws Exception;

    @BeforeEach
    void createStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    void stopWriters() {
        pool.shutdownNow();
    }

    private QueueEvent write(String detail) {
        return store.inTransaction(tx -> tx.append(QueueEvent.settingsChanged(T0, "test", detail)));
    }

    @Test
    void aSubscriptionFromAnIdGetsEveryLaterEventExactlyOnceHistoryFirstThenLive() throws Exception {
        EventStream stream = new EventStream(store, 100_000);
        List<QueueEvent> before = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            before.add(write("before " + i));
        }
        long from = before.get(199).id();
        int writers = 4;
        int perWriter = 300;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            running.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < perWriter; i++) {
                    write("live " + writer + "/" + i);
                }
                return null;
            }));
        }

        try (Subscription subscription = stream.subscribe(from, e -> true)) {
            go.countDown();
            List<QueueEvent> received = new ArrayList<>();
            int expected = 1000 + writers * perWriter;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (received.size() < expected && System.nanoTime() < deadline) {
                received.addAll(subscription.next(Duration.ofMillis(200)));
            }
            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }

            List<QueueEvent> stored = store.read(r -> r.eventsAfter(from, 100_000));
            assertThat(received).hasSize(expected).containsExactlyElementsOf(stored);
            assertThat(received.subList(0, 1000)).containsExactlyElementsOf(before.subList(200, 1200));
            assertThat(subscription.next(Duration.ofMillis(50))).as("nothing twice").isEmpty();
        }
    }

    @Test
    void aBlockedSubscriberDoesNotSlowWritersAndIsToldItLagged() throws Exception {
        EventStream stream = new EventStream(store, 50);
        Subscription stuck = stream.subscribe(stream.lastId(), e -> true);
        Subscription reading = stream.subscribe(stream.lastId(), e -> e.detail().endsWith("7"));

        for (int i = 0; i < 500; i++) {
            write("event " + i);
            if (i % 40 == 0) {
                reading.next(Duration.ZERO);
            }
        }

        assertThat(stuck.lagged()).isTrue();
        assertThatThrownBy(() -> stuck.next(Duration.ofSeconds(1))).isInstanceOf(SubscriptionLaggedException.class)
                .hasMessageContaining("resume after event");
        assertThat(stream.subscriptionCount()).as("the lagging one was dropped").isEqualTo(1);
        List<QueueEvent> filtered = reading.next(Duration.ofSeconds(1));
        assertThat(filtered).isNotEmpty().allMatch(e -> e.detail().endsWith("7"));
        reading.close();
        assertThat(stream.subscriptionCount()).isZero();
    }

    @Test
    void aClosedSubscriptionWakesItsReaderAtOnce() throws Exception {
        EventStream stream = new EventStream(store, 10);
        Subscription subscription = stream.subscribe(stream.lastId(), e -> true);
        Future<List<QueueEvent>> waiting = pool.submit(() -> subscription.next(Duration.ofSeconds(30)));

        subscription.close();

        assertThat(waiting.get(5, TimeUnit.SECONDS)).isEmpty();
    }
}
