package dev.gpuqueue.gpu;

import dev.gpuqueue.core.port.GpuInventory;
import java.lang.System.Logger.Level;
import java.util.function.Supplier;

/**
 * Chooses the GPU inventory at startup: simulated GPUs when asked for, else NVML when it loads and
 * initialises, else no GPUs at all with the reason logged. Never fails on a machine without a
 * driver. Stateless.
 */
public final class GpuInventories {
    private static final System.Logger LOG = System.getLogger(GpuInventories.class.getName());

    private GpuInventories() {}

    /** The chosen inventory and, when it is not NVML, why. Immutable. */
    public record Selection(GpuInventory inventory, String reason) implements AutoCloseable {
        public String backend() {
            return inventory.backend();
        }

        /** Releases what the inventory holds (NVML's {@code nvmlShutdown}); call once, when the server stops. */
        @Override
        public void close() {
            if (inventory instanceof NvmlGpuInventory nvml) {
                nvml.close();
            }
        }
    }

    /** Simulated GPUs from {@code simulateSpec} when it is given, else the system's NVML, else none. */
    public static Selection select(String simulateSpec) {
        return select(simulateSpec, NvmlGpuInventory::probe);
    }

    static Selection select(String simulateSpec, Supplier<NvmlGpuInventory.Probe> nvml) {
        if (simulateSpec != null && !simulateSpec.isBlank()) {
            SimulatedGpuInventory simulated = SimulatedGpuInventory.parse(simulateSpec);
            return new Selection(simulated, "simulated GPUs requested: " + simulated.spec());
        }
        NvmlGpuInventory.Probe probe = nvml.get();
        if (probe.available()) {
            NvmlGpuInventory opened = probe.inventory();
            LOG.log(Level.INFO, "GPU inventory: NVML from {0}, driver {1}, {2} GPU(s), {3} left out; entry points {4}",
                    opened.library(), opened.driverVersion(), opened.indices().size(), opened.skipped().size(),
                    opened.entryPoints());
            return new Selection(opened, null);
        }
        LOG.log(Level.WARNING, "No GPUs: NVML is {0}. Local jobs need GPUs; pass --simulate-gpus N to declare some.",
                probe.reason());
        return new Selection(GpuInventory.none(), "NVML " + probe.reason());
    }
}
