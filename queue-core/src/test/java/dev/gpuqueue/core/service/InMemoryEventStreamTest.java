package dev.gpuqueue.core.service;

import dev.gpuqueue.core.memory.InMemoryJobStore;
import dev.gpuqueue.core.port.JobStore;

class InMemoryEventStreamTest extends EventStreamScenarios {
    @Override
    protected JobStore newStore() {
        return new InMemoryJobStore();
    }
}
