package dev.gpuqueue.sqlite;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.error.StoreException;
import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.model.Worker;
import dev.gpuqueue.core.port.WorkerRegistry;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Workers in SQLite: one row per worker, keyed by its id, with its admin and reported labels kept
 * apart, the GPUs it last reported (a JSON array), and the hash of its token (never the token). Every
 * lookup reads the database, so a token replaced or a worker removed by another process stops working
 * at once. Thread-safe.
 */
public final class SqliteWorkerRegistry implements WorkerRegistry {
    private static final String COLUMNS = "id, worker_type, admin_labels, reported_labels, gpus, draining, created_at,"
            + " registered_at";

    private static final RowMapper<Worker> WORKER = (rs, ctx) -> {
        long registered = rs.getLong("registered_at");
        Instant registeredAt = rs.wasNull() ? null : Times.instant(registered);
        return new Worker(
                rs.getString("id"),
                rs.getString("worker_type"),
                Json.strings(rs.getString("admin_labels")),
                Json.strings(rs.getString("reported_labels")),
                gpus(rs.getString("gpus")),
                rs.getInt("draining") != 0,
                Times.instant(rs.getLong("created_at")),
                registeredAt);
    };

    private final SqliteDatabase db;

    public SqliteWorkerRegistry(SqliteDatabase db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    @Override
    public void add(Worker worker, String tokenHash) {
        Objects.requireNonNull(tokenHash, "tokenHash");
        db.write(h -> {
            try {
                return bindWorker(h.createUpdate("INSERT INTO workers (" + COLUMNS + ", token_hash) VALUES (:id, :type,"
                        + " :adminLabels, :reportedLabels, :gpus, :draining, :createdAt, :registeredAt, :hash)"), worker)
                        .bind("hash", tokenHash)
                        .execute();
            } catch (JdbiException e) {
                if (SqliteErrors.isUniqueViolation(e) && violates(e, "workers.id")) {
                    throw new ConflictException("a worker named " + worker.id() + " exists");
                }
                throw e;
            }
        });
    }

    @Override
    public Optional<Worker> find(String id) {
        return db.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM workers WHERE id = :id")
                .bind("id", id).map(WORKER).findOne());
    }

    @Override
    public Optional<Worker> findByTokenHash(String tokenHash) {
        return db.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM workers WHERE token_hash = :hash")
                .bind("hash", tokenHash).map(WORKER).findOne());
    }

    @Override
    public List<Worker> list() {
        return db.read(h -> h.createQuery("SELECT " + COLUMNS + " FROM workers ORDER BY id").map(WORKER).list());
    }

    @Override
    public void update(Worker worker) {
        int rows = db.write(h -> bindWorker(h.createUpdate("UPDATE workers SET worker_type = :type,"
                + " admin_labels = :adminLabels, reported_labels = :reportedLabels, gpus = :gpus, draining = :draining,"
                + " created_at = :createdAt, registered_at = :registeredAt WHERE id = :id"), worker).execute());
        if (rows == 0) {
            throw new NotFoundException("no worker named " + worker.id());
        }
    }

    @Override
    public void replaceTokenHash(String id, String tokenHash) {
        Objects.requireNonNull(tokenHash, "tokenHash");
        int rows = db.write(h -> h.createUpdate("UPDATE workers SET token_hash = :hash WHERE id = :id")
                .bind("hash", tokenHash).bind("id", id).execute());
        if (rows == 0) {
            throw new NotFoundException("no worker named " + id);
        }
    }

    @Override
    public boolean remove(String id) {
        return db.write(h -> h.createUpdate("DELETE FROM workers WHERE id = :id").bind("id", id).execute() > 0);
    }

    /** Binds every column of {@code worker} but its token hash. */
    private static <S extends SqlStatement<S>> S bindWorker(S statement, Worker worker) {
        return statement
                .bind("id", worker.id())
                .bind("type", worker.workerType())
                .bind("adminLabels", Json.write(worker.adminLabels()))
                .bind("reportedLabels", Json.write(worker.reportedLabels()))
                .bind("gpus", Json.write(worker.gpus().stream().map(SqliteWorkerRegistry::gpuFields).toList()))
                .bind("draining", worker.draining() ? 1 : 0)
                .bind("createdAt", Times.micros(worker.createdAt()))
                .bind("registeredAt", Times.micros(worker.registeredAt(), true));
    }

    private static boolean violates(JdbiException e, String column) {
        SQLException sql = SqliteErrors.findSqlException(e);
        return sql != null && String.valueOf(sql.getMessage()).contains(column);
    }

    /** One GPU as its JSON object; fields the backend did not report are written as null. */
    private static Map<String, Object> gpuFields(GpuDevice gpu) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("index", gpu.index());
        fields.put("uuid", gpu.uuid());
        fields.put("pci_bus_id", gpu.pciBusId());
        fields.put("name", gpu.name());
        fields.put("memory_total_bytes", gpu.memoryTotalBytes());
        fields.put("memory_used_bytes", gpu.memoryUsedBytes());
        fields.put("utilization_percent", gpu.utilizationPercent());
        fields.put("compute_processes", gpu.computeProcesses());
        fields.put("mig_enabled", gpu.migEnabled());
        return fields;
    }

    /** The stored GPU array; a field missing from an object reads as null (or 0 for memory figures). */
    private static List<GpuDevice> gpus(String json) {
        try {
            return Json.objects(json).stream().map(fields -> new GpuDevice(
                    number(fields, "index").intValue(),
                    (String) fields.get("uuid"),
                    (String) fields.get("pci_bus_id"),
                    (String) fields.get("name"),
                    longOrZero(fields, "memory_total_bytes"),
                    longOrZero(fields, "memory_used_bytes"),
                    intOrNull(fields, "utilization_percent"),
                    intOrNull(fields, "compute_processes"),
                    (Boolean) fields.get("mig_enabled"))).toList();
        } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
            throw new StoreException("a stored worker's GPU list is damaged (" + e.getMessage() + ")", e);
        }
    }

    private static Number number(Map<String, Object> fields, String name) {
        return Objects.requireNonNull((Number) fields.get(name), name);
    }

    private static long longOrZero(Map<String, Object> fields, String name) {
        Object value = fields.get(name);
        return value == null ? 0 : ((Number) value).longValue();
    }

    private static Integer intOrNull(Map<String, Object> fields, String name) {
        Object value = fields.get(name);
        return value == null ? null : ((Number) value).intValue();
    }
}
