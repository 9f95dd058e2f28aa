package dev.gpuqueue.gpu;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What initialising NVML once saves: the time of one {@code devices()} query on an open inventory
 * against the time of the {@code nvmlInit_v2} + {@code nvmlShutdown} pair each query used to add,
 * taken while nothing else in this process holds NVML (so every init is a cold one). A measurement
 * printed for docs/nvml.md, not a test: it asserts nothing. Run it on the stub library with
 * {@code main} (docs/nvml.md has the command); {@link NvmlRealGpuTest} runs it on a real GPU.
 */
final class NvmlInitCost {
    private static final int BATCHES = 5;

    /** Median microseconds of one query and of one init + shutdown pair. */
    record Figures(double queryMicros, double initShutdownMicros) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "devices() %.1f us per query on an open inventory; a cold nvmlInit_v2 +"
                    + " nvmlShutdown pair %.1f us (what each query used to add, besides re-reading every handle, UUID,"
                    + " name and PCI id)", queryMicros, initShutdownMicros);
        }
    }

    private NvmlInitCost() {}

    static Figures measure(NvmlLoader.Availability availability, int queries, int pairs) {
        NvmlGpuInventory.Probe probe = NvmlGpuInventory.probe(availability);
        if (!probe.available()) {
            throw new IllegalStateException("NVML " + probe.reason());
        }
        double query;
        try (NvmlGpuInventory inventory = probe.inventory()) {
            query = medianMicros(queries, inventory::devices);
        }
        NvmlLibrary nvml = availability.library();
        double pair = medianMicros(pairs, () -> {
            nvml.nvmlInit_v2();
            nvml.nvmlShutdown();
        });
        return new Figures(query, pair);
    }

    /** Runs {@code work} one batch to warm up, then {@link #BATCHES} batches; the median per call. */
    private static double medianMicros(int perBatch, Runnable work) {
        double[] micros = new double[BATCHES];
        for (int batch = -1; batch < BATCHES; batch++) {
            long start = System.nanoTime();
            for (int i = 0; i < perBatch; i++) {
                work.run();
            }
            if (batch >= 0) {
                micros[batch] = (System.nanoTime() - start) / 1e3 / perBatch;
            }
        }
        Arrays.sort(micros);
        return micros[BATCHES / 2];
    }

    /** {@code NvmlInitCost LIBRARY [QUERIES_PER_BATCH [PAIRS_PER_BATCH]]}. */
    public static void main(String[] args) {
        NvmlLoader.Availability availability = NvmlLoader.load(List.of(args[0]));
        int queries = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int pairs = args.length > 2 ? Integer.parseInt(args[2]) : queries;
        System.out.println(availability.path() + ": " + measure(availability, queries, pairs));
    }
}
