package dev.gpuqueue.core.service;

import dev.gpuqueue.core.port.JobStore;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/** queue-core's service scenarios, each run again on a SQLite file. */
class SqliteServiceScenariosTest {
    @RegisterExtension
    final SqliteStores stores = new SqliteStores();

    @Nested
    class Submit extends SubmitTest {
        @Override JobStore newStore() { return stores.newStore(); }
    }

    @Nested
    class Lifecycle extends LifecycleTest {
        @Override JobStore newStore() { return stores.newStore(); }
    }

    @Nested
    class ReadsAndPermissions extends ReadsAndPermissionsTest {
        @Override JobStore newStore() { return stores.newStore(); }
    }

    @Nested
    class Reconciler extends ReconcilerTest {
        @Override JobStore newStore() { return stores.newStore(); }
    }

    @Nested
    class Events extends EventsTest {
        @Override JobStore newStore() { return stores.newStore(); }
    }

    @Nested
    class EventStream extends EventStreamScenarios {
        @Override protected JobStore newStore() { return stores.newStore(); }
    }

    @Nested
    class UnwritableStore extends UnwritableStoreTest {
        @Override JobStore newStore() { return stores.newStore(); }
    }

    @Nested
    class Concurrency extends ConcurrencyTest {
        @Override JobStore newStore() { return stores.newStore(); }
    }

    @Nested
    class Dependencies extends DependenciesTest {
        @Override JobStore newStore() { return stores.newStore(); }
    }

    @Nested
    class Arrays extends ArraysTest {
        @Override JobStore newStore() { return stores.newStore(); }
    }

    @Nested
    class Backfill extends BackfillTest {
        @Override JobStore newStore() { return stores.newStore(); }
    }

    @Nested
    class RandomizedInvariants extends RandomizedInvariantsTest {
        @Override JobStore newStore() { return stores.newStore(); }

        /** Fewer steps: each is a few SQLite transactions. */
        @Override int steps() { return 1000; }
    }
}
