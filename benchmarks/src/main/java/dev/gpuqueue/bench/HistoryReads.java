package dev.gpuqueue.bench;

import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.Placement;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Stats and a position when many jobs finished in the last 24 hours (the average wait and the median
 * run time read them from the file): the mean of 50 calls each, three rounds. Run from the
 * repository root:
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.gpuqueue.bench.HistoryReads [finished jobs]</pre>
 */
public final class HistoryReads {
    private static final int CALLS = 50;

    private HistoryReads() {}

    public static void main(String[] args) {
        int finished = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        try (Workloads.Queue queue = Workloads.Queue.open("history", "OFF")) {
            List<JobId> ids = Workloads.bulkLoad(queue.store(), finished);
            Instant now = Instant.now();
            queue.store().inTransaction(tx -> {
                for (JobId id : ids) {
                    Job pending = tx.find(id).orElseThrow();
                    Job running = tx.update(pending, pending.dispatched(Placement.localGpus(List.of(0)), now.minusSeconds(600)));
                    tx.update(running, running.completed(0, now.minusSeconds(60)));
                }
                return null;
            });
            JobId waiting = Workloads.bulkLoad(queue.store(), 1).get(0);
            for (int round = 0; round < 3; round++) {
                long start = System.nanoTime();
                for (int i = 0; i < CALLS; i++) {
                    queue.queue().service().stats();
                }
                long middle = System.nanoTime();
                for (int i = 0; i < CALLS; i++) {
                    queue.queue().service().position(Caller.LOCAL_ADMIN, waiting);
                }
                long end = System.nanoTime();
                System.out.printf(Locale.ROOT, "%d jobs finished in the last 24 h: stats %.2f ms, position %.2f ms%n",
                        finished, (middle - start) / 1e6 / CALLS, (end - middle) / 1e6 / CALLS);
            }
        }
    }
}
