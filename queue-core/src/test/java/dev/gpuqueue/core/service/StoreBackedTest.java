package dev.gpuqueue.core.service;

import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.port.JobStore;

/**
 * Service scenarios that hold on any store: here they run on the in-memory store, and queue-sqlite's
 * tests run each of them again on a SQLite file by overriding {@link #newStore()}.
 */
abstract class StoreBackedTest {

    /** A new, empty store for one test's queue. */
    JobStore newStore() {
        return new InMemoryJobStore();
    }
}
