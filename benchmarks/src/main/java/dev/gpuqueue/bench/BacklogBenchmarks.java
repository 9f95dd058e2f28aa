package dev.gpuqueue.bench;

import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueStats;
import dev.gpuqueue.core.service.PassResult;
import dev.gpuqueue.core.service.PositionInfo;
import dev.gpuqueue.core.service.QueuePage;
import dev.gpuqueue.core.service.QueueQuery;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * W3: a backlog of 1,000, 10,000 and 100,000 pending jobs (bulk-loaded, untimed): a pass with 5 free
 * slots, stats, the position of the job in the middle and of the last one, and the first 50 of the
 * queue listing (the service calls behind the HTTP routes). Scores are microseconds per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx3g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class BacklogBenchmarks {
    private static final Caller ADMIN = Caller.LOCAL_ADMIN;

    /** The backlog; reads leave it as it is. */
    @State(Scope.Benchmark)
    public static class Backlog {
        @Param({"1000", "10000", "100000"})
        public int pending;

        Workloads.Queue queue;
        JobId middle;
        JobId last;

        @Setup(Level.Trial)
        public void load() {
            queue = Workloads.Queue.open("w3", "NORMAL");
            List<JobId> ids = Workloads.bulkLoad(queue.store(), pending);
            middle = ids.get(ids.size() / 2);
            last = ids.get(ids.size() - 1);
        }

        @TearDown(Level.Trial)
        public void close() {
            queue.close();
        }
    }

    /**
     * The backlog with its 5 slots freed before each pass (the running jobs are cancelled: no pass
     * follows) and as many new pending jobs stored, so every pass sees the same number pending.
     */
    @State(Scope.Benchmark)
    public static class Passing extends Backlog {
        @Setup(Level.Invocation)
        public void freeTheSlots() {
            List<Job> running = queue.store().read(r -> r.withStatus(JobStatus.RUNNING));
            for (Job job : running) {
                queue.queue().service().cancel(ADMIN, job.id());
            }
            Workloads.bulkLoad(queue.store(), running.size());
        }
    }

    @Benchmark
    public PassResult pass(Passing backlog) {
        return backlog.queue.queue().scheduler().runOnce();
    }

    @Benchmark
    public QueueStats stats(Backlog backlog) {
        return backlog.queue.queue().service().stats();
    }

    @Benchmark
    public PositionInfo positionOfTheMiddleJob(Backlog backlog) {
        return backlog.queue.queue().service().position(ADMIN, backlog.middle);
    }

    @Benchmark
    public PositionInfo positionOfTheLastJob(Backlog backlog) {
        return backlog.queue.queue().service().position(ADMIN, backlog.last);
    }

    @Benchmark
    public QueuePage firstPage(Backlog backlog) {
        return backlog.queue.queue().service().queue(ADMIN, new QueueQuery(null, false, 50, 0));
    }
}
