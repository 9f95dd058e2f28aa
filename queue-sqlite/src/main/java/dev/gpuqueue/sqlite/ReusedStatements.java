package dev.gpuqueue.sqlite;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.jdbi.v3.core.statement.DefaultStatementBuilder;
import org.jdbi.v3.core.statement.StatementBuilder;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Keeps each connection's prepared statements for reuse: SQLite compiles a statement on every
 * prepare, and the same few statements run thousands of times a second. A statement given out is not
 * given out again until it is closed (a second use of the same SQL meanwhile gets a statement of its
 * own, closed as usual). Statements are kept under the SQL they were prepared from: Jdbi creates them
 * with the parsed SQL ({@code ?} placeholders) but closes them naming the SQL as written. One per
 * connection, which one thread uses at a time: not thread-safe.
 */
final class ReusedStatements implements StatementBuilder {
    private final StatementBuilder fresh = new DefaultStatementBuilder();
    private final Map<String, PreparedStatement> idle = new HashMap<>();
    /** Statements given out, with the SQL they were prepared from. */
    private final Map<Statement, String> lent = new IdentityHashMap<>();

    @Override
    public Statement create(Connection conn, StatementContext ctx) throws SQLException {
        return fresh.create(conn, ctx);
    }

    @Override
    public PreparedStatement create(Connection conn, String sql, StatementContext ctx) throws SQLException {
        PreparedStatement reused = idle.remove(sql);
        PreparedStatement statement = reused != null && !reused.isClosed() ? reused : fresh.create(conn, sql, ctx);
        lent.put(statement, sql);
        return statement;
    }

    @Override
    public CallableStatement createCall(Connection conn, String sql, StatementContext ctx) throws SQLException {
        return fresh.createCall(conn, sql, ctx);
    }

    @Override
    public void close(Connection conn, String sql, Statement stmt) throws SQLException {
        String prepared = lent.remove(stmt);
        if (prepared == null || stmt.isClosed() || idle.containsKey(prepared)) {
            fresh.close(conn, sql, stmt);
            return;
        }
        PreparedStatement statement = (PreparedStatement) stmt;
        statement.clearParameters();
        idle.put(prepared, statement);
    }

    /** How many prepared statements wait for reuse (tests). */
    int idleStatements() {
        return idle.size();
    }

    @Override
    public void close(Connection conn) {
        for (PreparedStatement statement : idle.values()) {
            try {
                statement.close();
            } catch (SQLException e) {
                // the connection is closing: nothing more to release
            }
        }
        idle.clear();
        lent.clear();
    }
}
