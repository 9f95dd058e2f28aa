package dev.gpuqueue.sqlite;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.jdbi.v3.core.statement.DefaultStatementBuilder;
import org.jdbi.v3.core.statement.StatementBuilder;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Keeps each connection's prepared statements for reuse: SQLite compiles a statement on every
 * prepare, and the same few statements run thousands of times a second. A statement given out is not
 * given out again until it is closed (a second use of the same SQL meanwhile gets a statement of its
 * own, closed as usual). One per connection, which one thread uses at a time: not thread-safe.
 */
final class ReusedStatements implements StatementBuilder {
    private final StatementBuilder fresh = new DefaultStatementBuilder();
    private final Map<String, PreparedStatement> idle = new HashMap<>();

    @Override
    public Statement create(Connection conn, StatementContext ctx) throws SQLException {
        return fresh.create(conn, ctx);
    }

    @Override
    public PreparedStatement create(Connection conn, String sql, StatementContext ctx) throws SQLException {
        PreparedStatement reused = idle.remove(sql);
        return reused != null && !reused.isClosed() ? reused : fresh.create(conn, sql, ctx);
    }

    @Override
    public CallableStatement createCall(Connection conn, String sql, StatementContext ctx) throws SQLException {
        return fresh.createCall(conn, sql, ctx);
    }

    @Override
    public void close(Connection conn, String sql, Statement stmt) throws SQLException {
        if (sql == null || !(stmt instanceof PreparedStatement prepared) || stmt instanceof CallableStatement
                || idle.containsKey(sql)) {
            fresh.close(conn, sql, stmt);
            return;
        }
        prepared.clearParameters();
        idle.put(sql, prepared);
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
    }
}
