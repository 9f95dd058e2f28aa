package dev.gpuqueue.http;

import dev.gpuqueue.core.model.Caller;
import io.javalin.http.Context;

/**
 * The one seam that says who is calling. Handlers never look at credentials themselves.
 * Implementations are thread-safe.
 */
@FunctionalInterface
public interface CallerResolver {

    /** The caller of this request; throws to refuse it (missing or unknown credentials). */
    Caller resolve(Context ctx);

    /** Every request acts as the single-user admin {@code local}. */
    static CallerResolver singleUserAdmin() {
        return ctx -> Caller.LOCAL_ADMIN;
    }
}
