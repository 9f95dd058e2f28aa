package dev.gpuqueue.http;

import dev.gpuqueue.core.model.Worker;
import dev.gpuqueue.core.worker.WorkerHub;
import io.javalin.http.Context;

/**
 * Who is calling a worker route: the worker whose token is in {@code X-Worker-Token}, looked up on
 * every request (a rotated or removed worker's token stops working at once). A user token is never a
 * worker token, single-user mode included. Thread-safe.
 */
final class WorkerAuth {
    static final String HEADER = "X-Worker-Token";

    private final WorkerHub hub;

    WorkerAuth(WorkerHub hub) {
        this.hub = hub;
    }

    Worker resolve(Context ctx) {
        String token = ctx.header(HEADER);
        if (token == null || token.isBlank()) {
            boolean userCredentials = ctx.header("Authorization") != null || ctx.header("X-API-Key") != null;
            throw new UnauthorizedException(userCredentials
                    ? "worker routes take a worker token in " + HEADER + "; a user token is not a worker token"
                    : HEADER + " required: the token 'gpuqueue workers add' printed");
        }
        return hub.authenticate(token).orElseThrow(() -> new UnauthorizedException(
                "unknown or revoked worker token; an admin can issue a new one with 'gpuqueue workers token NAME'"));
    }
}
