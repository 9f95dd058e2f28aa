package dev.gpuqueue.gpu;

import com.google.inject.AbstractModule;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.port.HostStatus;

/** Binds the GPU inventory chosen at startup (see {@link GpuInventories}) and the host status. */
public final class GpuModule extends AbstractModule {
    private final GpuInventory inventory;

    public GpuModule(GpuInventory inventory) {
        this.inventory = inventory;
    }

    @Override
    protected void configure() {
        bind(GpuInventory.class).toInstance(inventory);
        bind(HostStatus.class).to(ProcHostStatus.class);
    }
}
