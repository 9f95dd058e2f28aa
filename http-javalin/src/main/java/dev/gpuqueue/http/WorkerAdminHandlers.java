package dev.gpuqueue.http;

import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.WorkerStatus;
import dev.gpuqueue.core.policy.Permissions;
import dev.gpuqueue.core.worker.WorkerAdmin;
import dev.gpuqueue.http.WorkerDtos.WorkerDto;
import io.javalin.http.Context;

/**
 * {@code /api/admin/workers}: create (the token shown once, with the command that starts the
 * worker), list with a status filter, show, drain and undrain, remove (409 while it runs a job
 * unless {@code ?force=true}), new token. Admin only.
 */
final class WorkerAdminHandlers {
    private final WorkerAdmin workers;
    private final CallerResolver callers;
    private final Bodies bodies;

    WorkerAdminHandlers(WorkerAdmin workers, CallerResolver callers, Bodies bodies) {
        this.workers = workers;
        this.callers = callers;
        this.bodies = bodies;
    }

    void create(Context ctx) {
        Caller caller = admin(ctx);
        WorkerDtos.NewWorkerBody body = bodies.read(ctx, WorkerDtos.NewWorkerBody.class);
        WorkerAdmin.CreatedWorker created = workers.create(caller, body.name(), body.labels(), body.workerType());
        ctx.status(201).json(new WorkerDtos.CreatedWorkerDto(WorkerDto.of(created.worker()), created.token(),
                command(ctx, created.token())));
    }

    void list(Context ctx) {
        Caller caller = callers.resolve(ctx);
        String status = ctx.queryParam("status");
        WorkerStatus filter = status == null || status.isBlank() ? null : WorkerStatus.parse(status);
        ctx.json(new WorkerDtos.WorkersDto(workers.list(caller, filter).stream().map(WorkerDto::of).toList()));
    }

    void get(Context ctx) {
        ctx.json(WorkerDto.of(workers.get(callers.resolve(ctx), ctx.pathParam("worker_id"))));
    }

    void drain(Context ctx) {
        ctx.json(WorkerDto.of(workers.drain(callers.resolve(ctx), ctx.pathParam("worker_id"), true)));
    }

    void undrain(Context ctx) {
        ctx.json(WorkerDto.of(workers.drain(callers.resolve(ctx), ctx.pathParam("worker_id"), false)));
    }

    void remove(Context ctx) {
        Caller caller = admin(ctx);
        workers.remove(caller, ctx.pathParam("worker_id"), Params.boolParam(ctx, "force"));
        ctx.status(204);
    }

    void rotate(Context ctx) {
        Caller caller = callers.resolve(ctx);
        String id = ctx.pathParam("worker_id");
        String token = workers.rotate(caller, id);
        ctx.json(new WorkerDtos.WorkerTokenDto(id, token, command(ctx, token)));
    }

    /** The caller, once known to be an admin: a researcher learns that before anything about their input. */
    private Caller admin(Context ctx) {
        Caller caller = callers.resolve(ctx);
        Permissions.requireAdmin(caller, WorkerAdmin.ACTION);
        return caller;
    }

    /** The command that starts this worker against the orchestrator as the admin reached it. */
    private static String command(Context ctx, String token) {
        return "gpuqueue worker --orchestrator " + ctx.scheme() + "://" + ctx.host() + " --token " + token;
    }
}
