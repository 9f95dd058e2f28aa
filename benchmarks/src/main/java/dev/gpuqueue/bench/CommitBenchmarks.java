package dev.gpuqueue.bench;

import dev.gpuqueue.core.service.SubmitResult;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Raw, W1 and W2: everything measured as "per second" of one job (or one commit), each iteration on
 * a fresh database file, so the ratios to the raw commit rate of the same run compare like with like.
 * Scores are microseconds per job; per second = 1,000,000 / score.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class CommitBenchmarks {
    static final int JOBS = 2_000;
    static final int SUBMITTERS = 16;

    /** A fresh database per iteration, at the synchronous level under test. */
    @State(Scope.Benchmark)
    public static class Fresh {
        @Param({"NORMAL", "FULL"})
        public String synchronous;

        Workloads.RawTable raw;
        Workloads.Queue queue;

        @Setup(Level.Iteration)
        public void open() throws SQLException {
            raw = new Workloads.RawTable(synchronous);
            queue = Workloads.Queue.open("w1", synchronous);
        }

        @TearDown(Level.Iteration)
        public void close() throws SQLException {
            raw.close();
            queue.close();
        }
    }

    /** Raw: 2,000 single-row INSERT commits, one connection. */
    @Benchmark
    @OperationsPerInvocation(JOBS)
    public void raw(Fresh fresh) throws SQLException {
        for (int i = 0; i < JOBS; i++) {
            fresh.raw.commitOne();
        }
    }

    /** W1: 2,000 cloud jobs submitted one by one through {@code QueueService.submit}. */
    @Benchmark
    @OperationsPerInvocation(JOBS)
    public void submitOneByOne(Fresh fresh, Blackhole sink) {
        for (int i = 0; i < JOBS; i++) {
            sink.consume(fresh.queue.queue().service().submit(Workloads.user(i), Workloads.request()));
        }
    }

    /** W1 concurrent: the same 2,000 jobs from 16 submitters at once. */
    @Benchmark
    @OperationsPerInvocation(JOBS)
    public void submitSixteenAtOnce(Fresh fresh) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(SUBMITTERS);
        try {
            List<Future<SubmitResult>> results = new ArrayList<>(JOBS);
            for (int i = 0; i < JOBS; i++) {
                int n = i;
                results.add(pool.submit(() -> fresh.queue.queue().service().submit(Workloads.user(n), Workloads.request())));
            }
            for (Future<SubmitResult> result : results) {
                result.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** 2,000 pending jobs, loaded before the iteration. */
    @State(Scope.Benchmark)
    public static class Loaded {
        @Param({"NORMAL"})
        public String synchronous;

        Workloads.Queue queue;

        @Setup(Level.Iteration)
        public void open() {
            queue = Workloads.Queue.open("w2", synchronous);
            Workloads.bulkLoad(queue.store(), JOBS);
        }

        @TearDown(Level.Iteration)
        public void close() {
            queue.close();
        }
    }

    /** W2: a pass, then every job that became running reports success (each report runs a pass), until none is left. */
    @Benchmark
    @OperationsPerInvocation(JOBS)
    public int drain(Loaded loaded) {
        loaded.queue.queue().scheduler().runOnce();
        int finished = 0;
        int batch;
        while ((batch = loaded.queue.provider().finishAll()) > 0) {
            finished += batch;
        }
        if (finished != JOBS) {
            throw new IllegalStateException("drained " + finished + " of " + JOBS + " jobs");
        }
        return finished;
    }
}
