package dev.gpuqueue.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReusedStatementsTest {
    @TempDir
    Path dir;

    @Test
    void aStatementWithParametersIsPreparedOnceAndStillAnswersRightAfterAFailure() {
        ReusedStatements statements = new ReusedStatements();
        Jdbi jdbi = Jdbi.create("jdbc:sqlite:" + dir.resolve("t.db")).setStatementBuilderFactory(connection -> statements);
        try (Handle h = jdbi.open()) {
            h.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)");
            String insert = "INSERT INTO t (v) VALUES (:v) RETURNING id";
            int before = statements.idleStatements();

            assertThat(h.createQuery(insert).bind("v", "a").mapTo(Long.class).one()).isEqualTo(1L);
            assertThat(h.createQuery(insert).bind("v", "b").mapTo(Long.class).one()).isEqualTo(2L);
            assertThatThrownBy(() -> h.createQuery(insert).bind("v", "a").mapTo(Long.class).one())
                    .isInstanceOf(JdbiException.class).hasMessageContaining("UNIQUE");
            assertThat(h.createQuery(insert).bind("v", "c").mapTo(Long.class).one()).isEqualTo(3L);
            h.createUpdate("UPDATE t SET v = :v WHERE id = :id").bind("v", "z").bind("id", 3).execute();

            assertThat(statements.idleStatements()).as("the insert and the update, each kept once").isEqualTo(before + 2);
            assertThat(h.createQuery("SELECT v FROM t ORDER BY id").mapTo(String.class).list()).containsExactly("a", "b", "z");
        }
    }
}
