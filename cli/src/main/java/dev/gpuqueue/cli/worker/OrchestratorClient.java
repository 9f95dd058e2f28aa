package dev.gpuqueue.cli.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gpuqueue.core.worker.Held;
import dev.gpuqueue.http.ApiJson;
import dev.gpuqueue.http.WorkerDtos;
import dev.gpuqueue.http.WorkerDtos.HeldDto;
import dev.gpuqueue.http.WorkerDtos.InstructionsDto;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * The worker's side of the orchestrator's worker routes, with its {@code X-Worker-Token}. Failures
 * come as three exceptions: {@link Unreachable} (no answer, or the orchestrator cannot serve now:
 * try again later), {@link Refused} (409: this worker no longer holds the attempt, it must stop it)
 * and {@link Rejected} (the token is not accepted, or the request is wrong: retrying will not help).
 * Thread-safe.
 */
final class OrchestratorClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Beyond a poll's longest wait. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    /** The API's mapper, tolerant of fields a newer orchestrator may add. */
    private final ObjectMapper json = ApiJson.mapper().copy().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    OrchestratorClient(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    URI base() {
        return base;
    }

    /** The orchestrator did not answer, or answered that it cannot serve now (5xx). */
    static final class Unreachable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** 409: the worker no longer holds the attempt it reported (its lease was taken away). */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** 4xx other than 409: a token that is not accepted, or a request the orchestrator refuses. */
    static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Rejected(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    WorkerDtos.RegisteredDto register(WorkerDtos.RegisterBody body) throws Unreachable, Rejected {
        return read(ask("/api/workers/register", body, REQUEST_TIMEOUT), WorkerDtos.RegisteredDto.class);
    }

    InstructionsDto heartbeat(Held running) throws Unreachable, Rejected {
        return read(ask("/api/workers/heartbeat", new WorkerDtos.HeartbeatBody(HeldDto.of(running)), REQUEST_TIMEOUT),
                InstructionsDto.class);
    }

    InstructionsDto poll(Held running, int waitSeconds) throws Unreachable, Rejected {
        return read(ask("/api/workers/poll", new WorkerDtos.PollBody(HeldDto.of(running), waitSeconds),
                REQUEST_TIMEOUT.plusSeconds(waitSeconds)), InstructionsDto.class);
    }

    /** A request that reports no attempt, so a 409 is as unexpected as any other refusal. */
    private String ask(String path, Object body, Duration timeout) throws Unreachable, Rejected {
        try {
            return post(path, body, timeout);
        } catch (Refused e) {
            throw new Rejected(409, e.getMessage());
        }
    }

    void status(Held held, String status, Integer exitCode, String message) throws Unreachable, Refused, Rejected {
        post("/api/workers/jobs/" + held.jobId() + "/status",
                new WorkerDtos.StatusBody(held.attempt(), status, exitCode, message), REQUEST_TIMEOUT);
    }

    /** Sends output of the attempt from {@code offset}; returns where the orchestrator wants the next chunk to start. */
    long log(Held held, long offset, byte[] data) throws Unreachable, Refused, Rejected {
        String body = post("/api/workers/jobs/" + held.jobId() + "/log",
                new WorkerDtos.LogBody(held.attempt(), offset, Base64.getEncoder().encodeToString(data)), REQUEST_TIMEOUT);
        return read(body, WorkerDtos.LogWrittenDto.class).nextOffset();
    }

    private String post(String path, Object body, Duration timeout) throws Unreachable, Refused, Rejected {
        HttpResponse<String> response;
        try {
            HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                    .header("Content-Type", "application/json").header("X-Worker-Token", token)
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body), StandardCharsets.UTF_8))
                    .build();
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new Unreachable("no answer from " + base + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted", e);
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return response.body();
        }
        String error = errorMessage(response.body());
        if (status == 409) {
            throw new Refused(error);
        }
        if (status >= 500 || status == 408 || status == 429) {
            throw new Unreachable(base + " answered " + status + ": " + error, null);
        }
        throw new Rejected(status, error + " (HTTP " + status + ")");
    }

    private <T> T read(String body, Class<T> type) throws Unreachable {
        try {
            return json.readValue(body, type);
        } catch (JsonProcessingException e) {
            throw new Unreachable("an answer this worker cannot read from " + base + ": " + e.getOriginalMessage(), e);
        }
    }

    private String errorMessage(String body) {
        try {
            JsonNode node = json.readTree(body);
            JsonNode detail = node == null ? null : node.get("detail");
            return detail != null && detail.isTextual() ? detail.asText() : String.valueOf(body);
        } catch (JsonProcessingException e) {
            return String.valueOf(body);
        }
    }
}
