package dev.gpuqueue.sqlite;

import dev.gpuqueue.core.model.ArrayMember;
import dev.gpuqueue.core.model.Dependency;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.JobType;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.model.Submitter;
import dev.gpuqueue.core.model.Target;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.SqlStatement;

/** Maps jobs and events to rows and back. Stateless. */
final class JobRows {
    private JobRows() {}

    /** Every column a job write sets (all but the sequence key). */
    static final String COLUMNS = "job_id, user_id, user_name, team_id, provider, config_name, priority, "
            + "priority_override, status, queued_at, aging_since, started_at, completed_at, estimated_cost, "
            + "requires_approval, approval_id, attempt, max_attempts, error_message, metadata, allocated_gpus, "
            + "job_type, num_processes, target, any_gpu, worker_labels, device_ids, runner, worker_id, pid, "
            + "process_started_at, exit_code, spec, idempotency_key, depends_on, awaiting_dependencies, array_id, "
            + "array_index, array_max_running, array_params, version";

    private static final List<String> NAMES = List.of(COLUMNS.split(", "));

    static final String INSERT = "INSERT INTO jobs (" + COLUMNS + ") VALUES ("
            + NAMES.stream().map(c -> ":" + c).collect(Collectors.joining(", ")) + ")";

    /** A compare-and-set update: it changes the row only if status and version are still as read. */
    static final String UPDATE = "UPDATE jobs SET "
            + NAMES.stream().map(c -> c + " = :" + c).collect(Collectors.joining(", "))
            + " WHERE job_id = :job_id AND status = :expected_status AND version = :expected_version";

    /** An insert with {@code ?} placeholders in {@link #COLUMNS} order, for a JDBC batch of {@link #values}. */
    static final String INSERT_POSITIONAL = "INSERT INTO jobs (" + COLUMNS + ") VALUES ("
            + NAMES.stream().map(c -> "?").collect(Collectors.joining(", ")) + ")";

    static <S extends SqlStatement<S>> S bind(S statement, Job job) {
        Object[] values = values(job);
        for (int i = 0; i < values.length; i++) {
            statement.bind(NAMES.get(i), values[i]);
        }
        return statement;
    }

    /** The value of each of {@link #COLUMNS} for {@code job}, in that order (null for SQL NULL). */
    static Object[] values(Job job) {
        return new Object[] {
            job.id().value(),
            job.userId(),
            job.submitter().userName(),
            job.teamId(),
            job.provider(),
            job.configName(),
            job.priority(),
            job.priorityOverride(),
            job.status().wireName(),
            Times.micros(job.queuedAt()),
            Times.micros(job.agingSince(), true),
            Times.micros(job.startedAt(), true),
            Times.micros(job.completedAt(), true),
            job.estimatedCost(),
            job.requiresApproval() ? 1 : 0,
            job.approvalId(),
            job.attempt(),
            job.maxAttempts(),
            job.errorMessage(),
            Json.write(job.metadata()),
            Json.write(job.allocatedGpus()),
            job.type().wireName(),
            job.numProcesses(),
            job.target().wireName(),
            job.anyGpu() ? 1 : 0,
            Json.write(job.workerLabels()),
            Json.write(job.spec().deviceIds()),
            job.placement().runner(),
            job.placement().workerId(),
            job.process() == null ? null : job.process().pid(),
            job.process() == null ? null : Times.micros(job.process().startTime(), true),
            job.exitCode(),
            Json.spec(job.spec()),
            job.idempotencyKey(),
            Json.write(job.dependsOn().stream().map(JobRows::dependencyObject).toList()),
            job.awaitingDependencies() ? 1 : 0,
            job.arrayId(),
            job.array() == null ? null : job.array().index(),
            job.array() == null ? null : job.array().maxRunning(),
            job.array() == null ? null : Json.write(job.array().parameters()),
            job.version()
        };
    }

    /** Reads a full {@code jobs} row. */
    static final RowMapper<Job> JOB = (rs, ctx) -> {
        Long pid = nullableLong(rs, "pid");
        Long processStart = nullableLong(rs, "process_started_at");
        return Job.builder()
                .id(JobId.of(rs.getString("job_id")))
                .seq(rs.getLong("seq"))
                .type(JobType.valueOf(rs.getString("job_type").toUpperCase(Locale.ROOT)))
                .provider(rs.getString("provider"))
                .configName(rs.getString("config_name"))
                .spec(Json.spec(rs.getString("spec")))
                .submitter(new Submitter(rs.getLong("user_id"), rs.getString("user_name"), rs.getString("team_id")))
                .priority(rs.getInt("priority"))
                .priorityOverride(nullableInt(rs, "priority_override"))
                .status(JobStatus.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)))
                .target(Target.valueOf(rs.getString("target").toUpperCase(Locale.ROOT)))
                .anyGpu(rs.getInt("any_gpu") != 0)
                .workerLabels(Json.strings(rs.getString("worker_labels")))
                .requiresApproval(rs.getInt("requires_approval") != 0)
                .approvalId(nullableLong(rs, "approval_id"))
                .queuedAt(Times.instant(rs.getLong("queued_at")))
                .agingSince(instant(rs, "aging_since"))
                .startedAt(instant(rs, "started_at"))
                .completedAt(instant(rs, "completed_at"))
                .attempt(rs.getInt("attempt"))
                .placement(new Placement(rs.getString("runner"), Json.ints(rs.getString("allocated_gpus")),
                        rs.getString("worker_id")))
                .process(pid == null ? null : new ProcessRef(pid, processStart == null ? null : Times.instant(processStart)))
                .exitCode(nullableInt(rs, "exit_code"))
                .errorMessage(rs.getString("error_message"))
                .metadata(Json.strings(rs.getString("metadata")))
                .idempotencyKey(rs.getString("idempotency_key"))
                .dependsOn(Json.objects(rs.getString("depends_on")).stream().map(JobRows::dependency).toList())
                .awaitingDependencies(rs.getInt("awaiting_dependencies") != 0)
                .array(rs.getString("array_id") == null ? null : new ArrayMember(rs.getString("array_id"),
                        rs.getInt("array_index"), nullableInt(rs, "array_max_running"),
                        Json.strings(rs.getString("array_params"))))
                .version(rs.getLong("version"))
                .build();
    };

    static final RowMapper<QueueEvent> EVENT = (rs, ctx) -> new QueueEvent(
            rs.getLong("id"),
            QueueEvent.Type.valueOf(rs.getString("type").toUpperCase(Locale.ROOT)),
            Times.instant(rs.getLong("at")),
            rs.getString("actor"),
            rs.getString("job_id") == null ? null : JobId.of(rs.getString("job_id")),
            nullableLong(rs, "user_id"),
            status(rs.getString("from_status")),
            status(rs.getString("to_status")),
            rs.getString("detail"));

    /** The job exactly as a later read will return it (instants truncated to microseconds). */
    static Job asStored(Job job) {
        return job.toBuilder()
                .queuedAt(Times.truncate(job.queuedAt()))
                .agingSince(Times.truncate(job.agingSince()))
                .startedAt(Times.truncate(job.startedAt()))
                .completedAt(Times.truncate(job.completedAt()))
                .process(job.process() == null ? null
                        : new ProcessRef(job.process().pid(), Times.truncate(job.process().startTime())))
                .build();
    }

    private static Map<String, String> dependencyObject(Dependency dependency) {
        return Map.of("job_id", dependency.jobId().value(), "condition", dependency.condition().wireName());
    }

    private static Dependency dependency(Map<String, Object> stored) {
        return new Dependency(JobId.of((String) stored.get("job_id")),
                Dependency.Condition.parse((String) stored.get("condition")));
    }

    private static JobStatus status(String wire) {
        return wire == null ? null : JobStatus.valueOf(wire.toUpperCase(Locale.ROOT));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Long micros = nullableLong(rs, column);
        return micros == null ? null : Times.instant(micros);
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    private static Integer nullableInt(ResultSet rs, String column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? null : value;
    }
}
