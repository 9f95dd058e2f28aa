package dev.gpuqueue.http;

import dev.gpuqueue.core.error.LimitOutOfRangeException;
import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import io.javalin.http.Context;
import java.util.Locale;

/** Query and path parameters, validated with messages that name the parameter. Stateless. */
final class Params {
    private Params() {}

    static JobId jobId(Context ctx) {
        return JobId.of(ctx.pathParam("job_id"));
    }

    static int intParam(Context ctx, String name, int defaultValue, int min, int max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new ValidationException(name + " must be a whole number (got '" + raw + "')");
        }
        if (value < min || value > max) {
            throw new LimitOutOfRangeException(name, raw.trim(),
                    max == Integer.MAX_VALUE ? ">= " + min : "between " + min + " and " + max);
        }
        return (int) value;
    }

    static long longParam(Context ctx, String name, long defaultValue, long min) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(raw.trim());
            if (value < min) {
                throw new LimitOutOfRangeException(name, raw.trim(), ">= " + min);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ValidationException(name + " must be a whole number (got '" + raw + "')");
        }
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
