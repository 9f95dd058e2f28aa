package dev.gpuqueue.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Answers the requests the web server refuses before any route sees them (a {@code %00} or
 * {@code ..;} in the path, a malformed header) with the API's JSON error body instead of an HTML
 * page. Thread-safe.
 */
final class JsonErrorHandler extends ErrorHandler {
    private final ObjectMapper mapper;

    JsonErrorHandler(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, MimeTypes.Type.APPLICATION_JSON_UTF_8.asString());
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, MimeTypes.Type.APPLICATION_JSON_UTF_8.asString());
        return ByteBuffer.wrap(body(status, reason));
    }

    private byte[] body(int code, String message) {
        String detail = "the request was refused before reaching the API: " + (message == null || message.isBlank()
                ? "HTTP " + code : message) + "; check the path and headers";
        try {
            return mapper.writeValueAsBytes(new ApiError(ApiErrors.code(code), detail));
        } catch (JsonProcessingException e) {
            return ("{\"error\":\"bad_request\",\"detail\":\"the request was refused\"}").getBytes(StandardCharsets.UTF_8);
        }
    }
}
