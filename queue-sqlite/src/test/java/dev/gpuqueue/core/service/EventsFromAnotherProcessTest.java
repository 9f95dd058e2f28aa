package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.testing.TestJobs.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.sqlite.SqliteDatabase;
import dev.gpuqueue.sqlite.SqliteJobStore;
import dev.gpuqueue.sqlite.SqliteOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events another process commits to the same database (`gpuqueue users` while the server runs) never
 * reach this process's listeners; a live subscriber still gets them, in id order, from the store.
 */
class EventsFromAnotherProcessTest {
    @TempDir
    Path home;

    @Test
    void aSubscriberGetsEventsCommittedElsewhereBeforeTheNextLiveOne() throws Exception {
        try (SqliteDatabase server = SqliteDatabase.open(SqliteOptions.inHome(home));
                SqliteDatabase otherProcess = SqliteDatabase.open(SqliteOptions.inHome(home))) {
            JobStore serverStore = new SqliteJobStore(server);
            JobStore otherStore = new SqliteJobStore(otherProcess);
            EventStream stream = new EventStream(serverStore, 100);
            try (Subscription subscription = stream.subscribe(stream.lastId(), e -> true)) {
                assertThat(subscription.next(Duration.ZERO)).isEmpty();

                QueueEvent elsewhere = otherStore.inTransaction(tx -> tx.append(QueueEvent.userChanged(7, T0, "local",
                        "added ada (admin)")));
                QueueEvent here = serverStore.inTransaction(tx -> tx.append(QueueEvent.settingsChanged(T0, "root",
                        "max_concurrent 5 → 6")));

                List<QueueEvent> received = new ArrayList<>();
                while (received.size() < 2) {
                    List<QueueEvent> batch = subscription.next(Duration.ofSeconds(5));
                    assertThat(batch).as("events arrive within the wait").isNotEmpty();
                    received.addAll(batch);
                }
                assertThat(received).containsExactly(elsewhere, here);
            }
        }
    }
}
