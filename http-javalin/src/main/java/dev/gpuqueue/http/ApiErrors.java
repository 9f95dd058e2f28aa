package dev.gpuqueue.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.JobIsRunningException;
import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.error.PermissionDeniedException;
import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.error.RunnerUnavailableException;
import dev.gpuqueue.core.error.StoreUnavailableException;
import dev.gpuqueue.core.error.ValidationException;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps every exception to a status and an {@link ApiError} body, in one place. Bad input is a 4xx
 * that says what to fix; nothing a client sends produces a 500 or a stack trace.
 */
final class ApiErrors {
    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

    private ApiErrors() {}

    static void register(JavalinConfig config) {
        config.routes.exception(ValidationException.class, (e, ctx) -> answer(ctx, 400, "bad_request", e.getMessage()));
        config.routes.exception(UnauthorizedException.class, (e, ctx) -> {
            ctx.header("WWW-Authenticate", "Bearer");
            answer(ctx, 401, "unauthorized", e.getMessage());
        });
        config.routes.exception(PermissionDeniedException.class, (e, ctx) -> answer(ctx, 403, "forbidden", e.getMessage()));
        config.routes.exception(NotFoundException.class, (e, ctx) -> answer(ctx, 404, "not_found", e.getMessage()));
        config.routes.exception(ConflictException.class, (e, ctx) -> answer(ctx, 409, "conflict", e.getMessage()));
        config.routes.exception(JobIsRunningException.class, (e, ctx) -> answer(ctx, 409, "conflict",
                e.getMessage() + "; stop it with POST /api/jobs/" + e.jobId() + "/cancel"));
        config.routes.exception(StoreUnavailableException.class, (e, ctx) -> {
            LOG.warn("Answering 503: {}", e.getMessage());
            answer(ctx, 503, "service_unavailable", e.getMessage());
        });
        config.routes.exception(RunnerUnavailableException.class, (e, ctx) -> {
            LOG.warn("Answering 503: {}", e.getMessage());
            answer(ctx, 503, "service_unavailable", e.getMessage());
        });
        config.routes.exception(QueueException.class, (e, ctx) -> {
            LOG.error("Request {} {} failed", ctx.method(), ctx.path(), e);
            answer(ctx, 500, "internal_error", e.getMessage());
        });
        config.routes.exception(JacksonException.class, (e, ctx) -> answer(ctx, 400, "bad_request", describe(e)));
        config.routes.exception(HttpResponseException.class, (e, ctx) -> answer(ctx, e.getStatus(), code(e.getStatus()),
                switch (e.getStatus()) {
                    case 404 -> "no route " + ctx.method() + " " + ctx.path();
                    case 405 -> ctx.method() + " is not allowed on " + ctx.path();
                    case 413 -> "the request body is larger than 1 MiB";
                    default -> e.getMessage();
                }));
        config.routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("Request {} {} failed unexpectedly", ctx.method(), ctx.path(), e);
            answer(ctx, 500, "internal_error", "unexpected server error; see the server log");
        });
        config.routes.error(404, ctx -> {
            if (!isApiError(ctx)) {
                answer(ctx, 404, "not_found", "no route " + ctx.method() + " " + ctx.path());
            }
        });
        config.routes.error(405, ctx -> {
            if (!isApiError(ctx)) {
                answer(ctx, 405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path());
            }
        });
    }

    private static boolean isApiError(Context ctx) {
        return ctx.attribute("api-error") != null;
    }

    static void answer(Context ctx, int status, String code, String detail) {
        ctx.attribute("api-error", Boolean.TRUE);
        ctx.status(status).json(new ApiError(code, detail));
    }

    static String code(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 409 -> "conflict";
            case 408 -> "request_timeout";
            case 414 -> "uri_too_long";
            case 431 -> "request_header_fields_too_large";
            case 505 -> "http_version_not_supported";
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            case 503 -> "service_unavailable";
            default -> status >= 500 ? "internal_error" : "bad_request";
        };
    }

    /** A JSON problem in words a client can act on, naming the field. */
    static String describe(JacksonException e) {
        if (e instanceof JsonProcessingException p && String.valueOf(p.getOriginalMessage()).contains("Trailing token")) {
            return "malformed JSON: content after the JSON value";
        }
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : u.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", "));
            return "unknown field '" + u.getPropertyName() + "'" + (known.isEmpty() ? "" : "; allowed: " + known);
        }
        String field = e instanceof JsonMappingException m && !m.getPath().isEmpty()
                ? m.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                        .collect(Collectors.joining("."))
                : null;
        if (e instanceof InvalidFormatException f && field != null) {
            return "field '" + field + "': " + f.getValue() + " is not a valid " + simple(f.getTargetType());
        }
        if (e instanceof MismatchedInputException m && field != null) {
            return "field '" + field + "' must be " + expected(m.getTargetType());
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return "the body must be a JSON object";
        }
        String original = e instanceof JsonProcessingException p ? p.getOriginalMessage() : e.getMessage();
        // Jackson's advice to clients ("enable JsonReadFeature...") names server settings: cut it.
        return "malformed JSON: " + String.valueOf(original).replaceAll("\\s*(\\(|;|:)?\\s*(enable|Use) `?[A-Za-z.]*Feature.*$", "");
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Map.class.isAssignableFrom(type)) {
            return "an object of strings";
        }
        return "a " + simple(type);
    }

    private static String simple(Class<?> type) {
        return type == null ? "value" : type.getSimpleName().toLowerCase(Locale.ROOT);
    }
}
