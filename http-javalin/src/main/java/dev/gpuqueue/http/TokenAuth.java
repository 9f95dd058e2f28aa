package dev.gpuqueue.http;

import dev.gpuqueue.core.error.PermissionDeniedException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.core.worker.WorkerTokens;
import io.javalin.http.Context;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is calling, from {@code Authorization: Bearer <token>} or {@code X-API-Key: <token>}, looked
 * up on every request (a user added or a token rotated takes effect at once). A request carrying a
 * worker's {@code X-Worker-Token} is refused (403): a worker is not a user. While no user exists,
 * every request is the single-user admin {@code local} — but only on a loopback address; elsewhere
 * a server without users answers 401. Thread-safe.
 */
public final class TokenAuth implements CallerResolver {
    private static final Logger LOG = LoggerFactory.getLogger(TokenAuth.class);

    private final UserAdmin users;
    private final boolean loopback;
    /** The mode of the last request, so a change (the last user removed by another process) is logged once. */
    private final AtomicReference<Boolean> lastSingleUser = new AtomicReference<>();

    /** {@code loopback}: whether the server listens only on a loopback address. */
    public TokenAuth(UserAdmin users, boolean loopback) {
        this.users = users;
        this.loopback = loopback;
    }

    @Override
    public Caller resolve(Context ctx) {
        boolean singleUser = users.singleUserMode();
        Boolean before = lastSingleUser.getAndSet(singleUser);
        if (before != null && before != singleUser) {
            LOG.warn(singleUser ? "No user exists (any more): single-user mode, every request on a loopback address acts"
                    + " as admin 'local'" : "Users exist: every request needs a token");
        }
        if (singleUser) {
            if (loopback) {
                refuseWorkers(ctx);
                return Caller.LOCAL_ADMIN;
            }
            throw new UnauthorizedException("no users exist and this server is not on a loopback address;"
                    + " add a user with 'gpuqueue users add NAME --level admin'");
        }
        refuseWorkers(ctx);
        String token = token(ctx);
        if (token == null) {
            throw new UnauthorizedException("credentials required: send 'Authorization: Bearer <token>' or 'X-API-Key: <token>'");
        }
        if (WorkerTokens.looksLikeOne(token)) {
            throw new UnauthorizedException("this is a worker token; user routes take a user token");
        }
        return users.authenticate(token)
                .orElseThrow(() -> new UnauthorizedException("unknown or revoked token; ask an admin for a new one"));
    }

    /** A worker is not a user: its token on a user route is refused, whatever else the request carries. */
    private static void refuseWorkers(Context ctx) {
        if (ctx.header(WorkerAuth.HEADER) != null) {
            throw new PermissionDeniedException("a worker token is not a user token: user routes take"
                    + " 'Authorization: Bearer <user token>'");
        }
    }

    private static String token(Context ctx) {
        String authorization = ctx.header("Authorization");
        if (authorization != null) {
            String trimmed = authorization.strip();
            if (trimmed.toLowerCase(Locale.ROOT).startsWith("bearer ")) {
                String token = trimmed.substring("bearer ".length()).strip();
                return token.isEmpty() ? null : token;
            }
        }
        String apiKey = ctx.header("X-API-Key");
        return apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
    }
}
