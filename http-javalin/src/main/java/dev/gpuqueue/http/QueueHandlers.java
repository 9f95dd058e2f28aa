package dev.gpuqueue.http;

import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.ArrayRequest;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Dependency;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.Numbers;
import dev.gpuqueue.core.model.Target;
import dev.gpuqueue.core.service.CleanupResult;
import dev.gpuqueue.core.service.PassResult;
import dev.gpuqueue.core.service.PriorityChange;
import dev.gpuqueue.core.service.QueuePage;
import dev.gpuqueue.core.service.QueueQuery;
import dev.gpuqueue.core.service.QueueService;
import dev.gpuqueue.core.worker.WorkerHub;
import dev.gpuqueue.core.service.SettingsUpdate;
import dev.gpuqueue.core.service.SubmitRequest;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/** The {@code /api/queue} handlers: parse, one service call, answer a DTO. */
final class QueueHandlers {
    private final QueueService service;
    private final WorkerHub workers;
    private final CallerResolver callers;
    private final Bodies bodies;

    QueueHandlers(ApiDependencies deps, Bodies bodies) {
        this.service = deps.service();
        this.workers = deps.workers();
        this.callers = deps.callers();
        this.bodies = bodies;
    }

    /** The submit body; unknown fields are refused by the mapper; a flag given as {@code null} is not given. */
    record SubmitBody(String configName, Boolean noWait, Boolean anyGpu, String target,
            Map<String, String> workerLabels, Boolean requiresApproval, String idempotencyKey, Boolean dryRun,
            List<DependencyBody> dependsOn, ArrayBody array) {}

    /** One job waited for: {@code condition} succeeded (default), finished or failed. */
    record DependencyBody(String jobId, String condition) {
        Dependency toDependency() {
            if (jobId == null) {
                throw new ValidationException("depends_on: every entry needs a job_id");
            }
            return new Dependency(JobId.of(jobId), condition == null ? Dependency.Condition.SUCCEEDED
                    : Dependency.Condition.parse(condition));
        }
    }

    /** A sweep: {@code values} (a grid) or {@code count}, and {@code max_running}. */
    record ArrayBody(Map<String, List<Object>> values, Integer count, Integer maxRunning) {}

    void list(Context ctx) {
        Caller caller = callers.resolve(ctx);
        QueueQuery query = new QueueQuery(Params.statusParam(ctx), Params.boolParam(ctx, "include_completed"),
                Params.intParam(ctx, "limit", QueueQuery.DEFAULT_LIMIT, 1, QueueQuery.MAX_LIMIT),
                Params.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE), ctx.queryParam("array_id"));
        QueuePage page = service.queue(caller, query);
        ctx.json(new Dtos.QueueListDto(Dtos.QueueEntryDto.of(page.entries()), page.totalPending(), page.totalRunning()));
    }

    void stats(Context ctx) {
        callers.resolve(ctx);
        ctx.json(Dtos.StatsDto.of(service.stats(), workers.counts()));
    }

    void me(Context ctx) {
        Caller caller = callers.resolve(ctx);
        ctx.json(Dtos.MeDto.of(service.me(caller, Params.intParam(ctx, "limit", QueueQuery.DEFAULT_LIMIT, 1,
                QueueQuery.MAX_LIMIT), Params.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE))));
    }

    void position(Context ctx) {
        ctx.json(Dtos.PositionDto.of(service.position(callers.resolve(ctx), Params.jobId(ctx))));
    }

    void cancel(Context ctx) {
        ctx.json(Dtos.ChangeDto.of(service.cancelWaiting(callers.resolve(ctx), Params.jobId(ctx))));
    }

    void cancelArray(Context ctx) {
        String arrayId = JobId.of(ctx.pathParam("array_id")).value();
        List<JobId> cancelled = service.cancelArray(callers.resolve(ctx), arrayId);
        ctx.json(new Dtos.ArrayCancelDto(true, arrayId, cancelled.size(), cancelled.stream().map(JobId::value).toList()));
    }

    void approve(Context ctx) {
        Caller caller = callers.resolve(ctx);
        Job job = service.approve(caller, Params.jobId(ctx));
        ctx.json(new Dtos.ApprovedDto(true, job.id().value(), job.status().wireName(), caller.name()));
    }

    void reject(Context ctx) {
        Caller caller = callers.resolve(ctx);
        JobId id = Params.jobId(ctx);
        String reason = ctx.queryParam("reason");
        Job job = service.reject(caller, id, reason);
        ctx.json(new Dtos.RejectedDto(true, job.id().value(), job.status().wireName(), caller.name(), reason.strip()));
    }

    void priority(Context ctx) {
        Caller caller = callers.resolve(ctx);
        JobId id = Params.jobId(ctx);
        Map<String, Object> body = bodies.object(ctx);
        if (!body.containsKey("priority")) {
            throw new ValidationException("priority is required: a whole number 0..50, or null to clear the override");
        }
        for (String key : body.keySet()) {
            if (!key.equals("priority")) {
                throw new ValidationException("unknown field '" + key + "'; allowed: priority");
            }
        }
        Integer override = wholeOrNull(body.get("priority"));
        PriorityChange change = service.setPriority(caller, id, override);
        ctx.json(new Dtos.PriorityDto(true, id.value(), change.previousEffectivePriority(),
                change.newEffectivePriority(), change.job().priorityOverride()));
    }

    private static Integer wholeOrNull(Object value) {
        String allowed = "a whole number between 0 and 50, or null";
        if (value != null && !(value instanceof Number)) {
            throw new ValidationException("priority must be " + allowed + " (got \"" + value + "\")");
        }
        return value == null ? null : (int) Numbers.whole("priority", value, 0, 50, allowed);
    }

    void getConcurrency(Context ctx) {
        callers.resolve(ctx);
        ctx.json(service.settings().asMap());
    }

    void setConcurrency(Context ctx) {
        Caller caller = callers.resolve(ctx);
        ctx.json(service.updateSettings(caller, SettingsUpdate.of(bodies.object(ctx))).asMap());
    }

    void process(Context ctx) {
        PassResult result = service.process(callers.resolve(ctx));
        ctx.json(new Dtos.ProcessDto(true, result.started().size(),
                result.started().stream().map(j -> j.id().value()).toList()));
    }

    void cleanup(Context ctx) {
        Caller caller = callers.resolve(ctx);
        int days = Params.intParam(ctx, "days", QueueService.CLEANUP_DEFAULT_DAYS, 1, 365);
        CleanupResult result = service.cleanup(caller, days);
        ctx.json(new Dtos.CleanupDto(true, result.deleted().size(), result.days()));
    }

    private static Dependency dependency(DependencyBody body) {
        if (body == null) {
            throw new ValidationException("depends_on: entries are objects {\"job_id\": ..., \"condition\": ...}, not null");
        }
        return body.toDependency();
    }

    void submit(Context ctx) {
        Caller caller = callers.resolve(ctx);
        SubmitBody body = bodies.read(ctx, SubmitBody.class);
        if (body.configName() == null) {
            throw new ValidationException("config_name is required");
        }
        SubmitRequest request = SubmitRequest.builder(body.configName())
                .noWait(Boolean.TRUE.equals(body.noWait()))
                .anyGpu(Boolean.TRUE.equals(body.anyGpu()))
                .target(body.target() == null ? Target.AUTO : Target.parse(body.target()))
                .workerLabels(body.workerLabels() == null ? Map.of() : body.workerLabels())
                .requiresApproval(Boolean.TRUE.equals(body.requiresApproval()))
                .idempotencyKey(body.idempotencyKey())
                .dryRun(Boolean.TRUE.equals(body.dryRun()))
                .dependsOn(body.dependsOn() == null ? List.of()
                        : body.dependsOn().stream().map(QueueHandlers::dependency).toList())
                .array(body.array() == null ? null
                        : new ArrayRequest(body.array().values(), body.array().count(), body.array().maxRunning()))
                .build();
        ctx.json(Dtos.SubmitDto.of(service.submit(caller, request)));
    }
}
