package dev.gpuqueue.bench;

import dev.gpuqueue.core.model.ArrayRequest;
import dev.gpuqueue.core.service.SubmitRequest;
import dev.gpuqueue.core.service.SubmitResult;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * W6, sweeps: one submit of a 10,000-job array (a 100 × 100 grid of learning rates and seeds, the
 * W1 stub runner), each iteration on a fresh database file ({@link CommitBenchmarks.Fresh}), next to
 * the raw cost of committing
 * 10,000 rows in one transaction on a fresh file in the same run. Scores are milliseconds per
 * submit (per commit for the raw figure).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
public class ArrayBenchmarks {
    static final int SIDE = 100;

    static SubmitRequest sweep() {
        Map<String, List<Object>> grid = new LinkedHashMap<>();
        grid.put("lr", IntStream.range(0, SIDE).mapToObj(i -> (Object) (1e-5 * (i + 1))).toList());
        grid.put("seed", IntStream.range(0, SIDE).mapToObj(i -> (Object) i).toList());
        return SubmitRequest.builder("bench").spec(Workloads.SPEC).provider(StubProvider.NAME)
                .array(new ArrayRequest(grid, null, 4)).build();
    }

    /** Raw: 10,000 single-row INSERTs in one commit. */
    @Benchmark
    public void rawTenThousandRowsInOneCommit(CommitBenchmarks.Fresh fresh) throws SQLException {
        fresh.raw.commitMany(SIDE * SIDE);
    }

    /** W6: one submit of a 10,000-job array, answered with every job id. */
    @Benchmark
    public SubmitResult submitTenThousandJobArray(CommitBenchmarks.Fresh fresh) {
        SubmitResult result = fresh.queue.queue().service().submit(Workloads.user(0), sweep());
        if (result.array().jobIds().size() != SIDE * SIDE) {
            throw new IllegalStateException("the array has " + result.array().jobIds().size() + " jobs");
        }
        return result;
    }
}
