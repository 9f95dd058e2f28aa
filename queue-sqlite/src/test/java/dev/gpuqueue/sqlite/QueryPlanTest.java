package dev.gpuqueue.sqlite;

import static dev.gpuqueue.core.testing.TestJobs.T0;
import static dev.gpuqueue.core.testing.TestJobs.job;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.Submitter;
import java.nio.file.Path;
import java.util.Map;
import org.jdbi.v3.core.statement.Query;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reads that still go to the file (terminal jobs, listings, events, the load of the active jobs
 * at start) use their indexes: no full table scan, no temporary b-tree for an ordered read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryPlanTest {
    private SqliteDatabase db;

    @BeforeAll
    void fill(@TempDir Path home) {
        db = SqliteDatabase.open(SqliteOptions.inHome(home).withSynchronous("OFF"));
        SqliteJobStore store = new SqliteJobStore(db);
        store.inTransaction(tx -> {
            for (int i = 0; i < 3000; i++) {
                Submitter user = new Submitter(1 + i % 40, "u" + (i % 40), "team" + (i % 5));
                Job inserted = tx.insert(job().user(user).level(Level.values()[i % 4]).queuedAt(T0.plusSeconds(i)).build());
                if (i % 3 == 0) {
                    Job running = tx.update(inserted, inserted.dispatched(Placement.worker("w"), T0.plusSeconds(i)));
                    tx.update(running, running.completed(0, T0.plusSeconds(i + 60)));
                }
            }
            return null;
        });
    }

    @AfterAll
    void close() {
        db.close();
    }

    private String plan(String sql, Map<String, Object> binds) {
        return db.read(h -> {
            Query query = h.createQuery("EXPLAIN QUERY PLAN " + sql);
            binds.forEach(query::bind);
            return String.join("\n", query.map((rs, ctx) -> rs.getString("detail")).list());
        });
    }

    @Test
    void theOtherHotReadsUseTheirIndexes() {
        assertThat(plan("SELECT status, COUNT(*) AS n FROM jobs INDEXED BY jobs_status_user WHERE status IN"
                + " ('completed', 'failed', 'cancelled') GROUP BY status", Map.of())).contains("COVERING INDEX jobs_status_user");
        assertThat(plan("SELECT * FROM jobs WHERE status IN ('pending', 'blocked', 'running')", Map.of()))
                .contains("jobs_status_");
        assertThat(plan("SELECT * FROM jobs WHERE job_id = :id", Map.of("id", "x"))).contains("USING INDEX sqlite_autoindex_jobs");
        assertThat(plan("SELECT * FROM jobs WHERE status = :s ORDER BY seq", Map.of("s", "running")))
                .contains("jobs_status_");
        assertThat(plan("SELECT user_id, COUNT(*) FROM jobs WHERE status IN ('pending', 'blocked', 'running') GROUP BY user_id",
                Map.of())).contains("COVERING INDEX jobs_status_user");
        assertThat(plan("SELECT * FROM jobs WHERE user_id = :u ORDER BY seq DESC LIMIT 50", Map.of("u", 3)))
                .contains("jobs_user_seq").doesNotContain("TEMP B-TREE");
        assertThat(plan("SELECT job_id " + SqliteJobStore.COMPLETED_BEFORE, Map.of("cutoff", 5L))).contains("jobs_completed_at");
        assertThat(plan("SELECT * " + SqliteJobStore.COMPLETED_SINCE, Map.of("since", 5L))).contains("jobs_completed_at");
        assertThat(plan("SELECT * " + SqliteJobStore.STARTED_SINCE, Map.of("since", 5L))).contains("jobs_started_at");
        assertThat(plan("SELECT * FROM events WHERE job_id = :id ORDER BY id", Map.of("id", "x")))
                .contains("events_job").doesNotContain("TEMP B-TREE");
    }
}
