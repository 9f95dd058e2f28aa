package dev.gpuqueue.http;

import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.Numbers;
import io.javalin.http.Context;
import java.util.Locale;

/** Query and path parameters, validated with messages that name the parameter. Stateless. */
final class Params {
    private Params() {}

    static JobId jobId(Context ctx) {
        return JobId.of(ctx.pathParam("job_id"));
    }

    static int intParam(Context ctx, String name, int defaultValue, int min, int max) {
        return (int) longParam(ctx, name, defaultValue, min, max);
    }

    /** A whole-number parameter in {@code min..max}; a value beyond it, at any size, is refused quoting it as sent. */
    static long longParam(Context ctx, String name, long defaultValue, long min, long max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            return defaultValue;
        }
        String allowed = max == Long.MAX_VALUE ? "a whole number >= " + min
                : "a whole number between " + min + " and " + max;
        return Numbers.whole(name, raw, min, max, allowed);
    }

    static boolean boolParam(Context ctx, String name) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            return false;
        }
        return switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new ValidationException(name + " must be true or false (got '" + raw + "')");
        };
    }

    static JobStatus statusParam(Context ctx) {
        String raw = ctx.queryParam("status");
        return raw == null || raw.isBlank() ? null : JobStatus.parse(raw);
    }
}
