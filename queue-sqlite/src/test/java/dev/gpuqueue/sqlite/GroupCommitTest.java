package dev.gpuqueue.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gpuqueue.core.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Units of work that wait for the writer share one transaction; each is answered after its commit, and one that fails rolls back alone. */
class GroupCommitTest {
    @TempDir
    Path home;

    private SqliteDatabase db;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void open() {
        db = SqliteDatabase.open(SqliteOptions.inHome(home));
        db.write(h -> h.execute("CREATE TABLE t (x TEXT NOT NULL)"));
    }

    @AfterEach
    void close() {
        threads.shutdownNow();
        db.close();
    }

    private Future<Integer> insert(String value, boolean fail) {
        return threads.submit(() -> db.write(h -> {
            h.createUpdate("INSERT INTO t (x) VALUES (:x)").bind("x", value).execute();
            if (fail) {
                throw new IllegalStateException("unit " + value + " refuses");
            }
            return 1;
        }));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<String> rows() {
        return db.read(h -> h.createQuery("SELECT x FROM t ORDER BY rowid").mapTo(String.class).list());
    }

    @Test
    void unitsThatWaitedShareOneCommitAndAFailingOneRollsBackAlone() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<Integer> first = threads.submit(() -> db.write(h -> {
            h.createUpdate("INSERT INTO t (x) VALUES ('first')").execute();
            entered.countDown();
            awaitQuietly(release);
            return 1;
        }));
        entered.await(30, TimeUnit.SECONDS);
        long commitsBefore = db.commits();
        Future<Integer> b = insert("b", false);
        Future<Integer> c = insert("c", true);
        Future<Integer> d = insert("d", false);
        Await.until("three units to wait for the writer", Duration.ofSeconds(10), () -> db.waitingUnits() == 3);

        release.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(b.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(d.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThatThrownBy(() -> c.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class).hasRootCauseMessage("unit c refuses");
        assertThat(rows()).startsWith("first").containsExactlyInAnyOrder("first", "b", "d");
        assertThat(db.commits() - commitsBefore).as("the first unit's commit, then one for the three that waited")
                .isEqualTo(2);
    }

    @Test
    void manyWritersAtOnceEachGetTheirAnswerAndEveryRowIsThereOnce() throws Exception {
        List<Future<Integer>> all = new ArrayList<>();
        for (int i = 0; i < 800; i++) {
            all.add(insert("row" + i, i % 97 == 0));
        }
        int refused = 0;
        for (Future<Integer> unit : all) {
            try {
                assertThat(unit.get(60, TimeUnit.SECONDS)).isEqualTo(1);
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
                refused++;
            }
        }
        assertThat(refused).isEqualTo(9);
        assertThat(rows()).hasSize(800 - 9).doesNotHaveDuplicates().noneMatch(x -> x.equals("row0") || x.equals("row97"));
        assertThat(db.commits()).as("never more commits than units").isLessThanOrEqualTo(801);
    }
}
