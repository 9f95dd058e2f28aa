package dev.gpuqueue.core.memory;

import dev.gpuqueue.core.port.WorkerRegistry;
import dev.gpuqueue.core.testing.WorkerRegistryContract;

class InMemoryWorkerRegistryTest extends WorkerRegistryContract {
    @Override
    protected WorkerRegistry newRegistry() {
        return new InMemoryWorkerRegistry();
    }
}
