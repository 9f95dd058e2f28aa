package dev.gpuqueue.http;

import dev.gpuqueue.core.error.ConfirmationRequiredException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Level;
import dev.gpuqueue.core.model.Numbers;
import dev.gpuqueue.core.port.User;
import dev.gpuqueue.core.service.UserAdmin;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.List;

/** {@code /api/admin/users}: create (token shown once), list (never tokens), remove, rotate. Admin only. */
final class AdminHandlers {
    private final UserAdmin users;
    private final CallerResolver callers;
    private final Bodies bodies;

    AdminHandlers(ApiDependencies deps, Bodies bodies) {
        this.users = deps.users();
        this.callers = deps.callers();
        this.bodies = bodies;
    }

    record NewUserBody(String name, String level, String teamId) {}

    record UserDto(long id, String name, String level, String teamId, Instant createdAt) {
        static UserDto of(User u) {
            return new UserDto(u.id(), u.name(), u.level().wireName(), u.teamId(), u.createdAt());
        }
    }

    record CreatedUserDto(long id, String name, String level, String teamId, Instant createdAt, String token) {}

    record TokenDto(long id, String token) {}

    record UsersDto(List<UserDto> users) {}

    void create(Context ctx) {
        Caller caller = callers.resolve(ctx);
        NewUserBody body = bodies.read(ctx, NewUserBody.class);
        if (body.name() == null) {
            throw new ValidationException("name is required");
        }
        if (body.level() == null) {
            throw new ValidationException("level is required: admin, lead, researcher or viewer");
        }
        UserAdmin.CreatedUser created = users.create(caller, body.name(), Level.parse(body.level()), body.teamId());
        User u = created.user();
        ctx.status(201).json(new CreatedUserDto(u.id(), u.name(), u.level().wireName(), u.teamId(), u.createdAt(),
                created.token()));
    }

    void list(Context ctx) {
        ctx.json(new UsersDto(users.list(callers.resolve(ctx)).stream().map(UserDto::of).toList()));
    }

    void remove(Context ctx) {
        Caller caller = callers.resolve(ctx);
        long id = userId(ctx);
        try {
            users.remove(caller, id, Params.boolParam(ctx, "confirm"));
        } catch (ConfirmationRequiredException e) {
            throw new ConfirmationRequiredException(e.getMessage() + " with ?confirm=true");
        }
        ctx.status(204);
    }

    void rotate(Context ctx) {
        Caller caller = callers.resolve(ctx);
        long id = userId(ctx);
        ctx.json(new TokenDto(id, users.rotate(caller, id)));
    }

    private static long userId(Context ctx) {
        return Numbers.whole("user_id", ctx.pathParam("user_id"), 1, Long.MAX_VALUE, "a user id (a whole number >= 1)");
    }
}
