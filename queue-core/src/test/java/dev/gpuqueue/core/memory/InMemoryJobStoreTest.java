package dev.gpuqueue.core.memory;

import static dev.gpuqueue.core.testing.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.testing.JobStoreContract;
import org.junit.jupiter.api.Test;

class InMemoryJobStoreTest extends JobStoreContract {
    @Override
    protected JobStore newStore() {
        return new InMemoryJobStore();
    }

    @Test
    void unitsOfWorkDoNotNest() {
        assertThatThrownBy(() -> store.inTransaction(tx -> store.read(r -> r.find(job().build().id()))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("do not nest");
    }
}
