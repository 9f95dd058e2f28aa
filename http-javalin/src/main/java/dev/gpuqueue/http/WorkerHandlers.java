package dev.gpuqueue.http;

import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.Worker;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.worker.Held;
import dev.gpuqueue.core.worker.Instructions;
import dev.gpuqueue.core.worker.WorkerHub;
import dev.gpuqueue.http.WorkerDtos.HeldDto;
import dev.gpuqueue.http.WorkerDtos.InstructionsDto;
import dev.gpuqueue.http.WorkerDtos.WorkerGpuDto;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code /api/workers/...}: what {@code gpuqueue worker} calls, with its {@code X-Worker-Token}:
 * register, heartbeat, the long poll for instructions, attempt status reports and log chunks. Every
 * report names the attempt; one from a worker that no longer holds it is a 409 and changes nothing.
 */
final class WorkerHandlers {
    /** A poll waits at most this long (below the server's 10 s idle timeout, so no proxy or Jetty cuts it). */
    static final int MAX_WAIT_SECONDS = 8;
    /** The most GPUs a worker may report. */
    private static final int MAX_GPUS = 1024;
    /** The largest log chunk, before base64 (the body limit is 1 MiB). */
    static final int MAX_LOG_CHUNK = 512 * 1024;

    private final WorkerHub hub;
    private final WorkerAuth auth;
    private final Bodies bodies;

    WorkerHandlers(WorkerHub hub, Bodies bodies) {
        this.hub = hub;
        this.auth = new WorkerAuth(hub);
        this.bodies = bodies;
    }

    void register(Context ctx) {
        Worker worker = auth.resolve(ctx);
        WorkerDtos.RegisterBody body = bodies.read(ctx, WorkerDtos.RegisterBody.class);
        List<GpuDevice> gpus = gpus(body.gpus());
        Instructions instructions = hub.register(worker, Worker.checkLabels(body.labels()), gpus, held(body.running()));
        Worker now = hub.current(worker);
        ctx.json(new WorkerDtos.RegisteredDto(now.id(), now.labels(), now.draining(), hub.offlineAfter().toSeconds(),
                InstructionsDto.of(instructions)));
    }

    void heartbeat(Context ctx) {
        Worker worker = auth.resolve(ctx);
        WorkerDtos.HeartbeatBody body = bodies.read(ctx, WorkerDtos.HeartbeatBody.class);
        ctx.json(InstructionsDto.of(hub.heartbeat(worker, held(body.running()))));
    }

    /** Answers when the worker has something to do, or after {@code wait_seconds} (default and at most 8). */
    void poll(Context ctx) {
        Worker worker = auth.resolve(ctx);
        WorkerDtos.PollBody body = bodies.read(ctx, WorkerDtos.PollBody.class);
        int wait = body.waitSeconds() == null ? MAX_WAIT_SECONDS : body.waitSeconds();
        if (wait < 0 || wait > MAX_WAIT_SECONDS) {
            throw new ValidationException("wait_seconds must be between 0 and " + MAX_WAIT_SECONDS + " (got " + wait + ")");
        }
        Held running = held(body.running());
        ctx.future(() -> hub.poll(worker, running, Duration.ofSeconds(wait))
                .thenAccept(instructions -> ctx.json(InstructionsDto.of(instructions))));
    }

    /**
     * {@code running} (the worker runs the attempt), {@code exited} with {@code exit_code}, or
     * {@code lost} with a {@code message} (it could not be started, or vanished without an exit
     * status: requeued).
     */
    void status(Context ctx) {
        Worker worker = auth.resolve(ctx);
        JobId id = Params.jobId(ctx);
        WorkerDtos.StatusBody body = bodies.read(ctx, WorkerDtos.StatusBody.class);
        Held held = new Held(id, attempt(body.attempt()));
        String status = body.status() == null ? "" : body.status();
        switch (status) {
            case "running" -> hub.running(worker, held);
            case "exited" -> {
                if (body.exitCode() == null) {
                    throw new ValidationException("exit_code is required with status exited");
                }
                hub.ended(worker, held, AttemptOutcome.exited(body.exitCode()));
            }
            case "lost" -> {
                if (body.message() == null || body.message().isBlank()) {
                    throw new ValidationException("message is required with status lost: why the attempt could not run");
                }
                hub.lost(worker, held, body.message().length() > 500 ? body.message().substring(0, 500) : body.message());
            }
            default -> throw new ValidationException("status must be running, exited or lost (got '" + status + "')");
        }
        ctx.json(new WorkerDtos.AcceptedDto(held.jobId().value(), held.attempt(), status));
    }

    /** A chunk of an attempt's output: base64 {@code data} at byte {@code offset} of that attempt's output. */
    void log(Context ctx) {
        Worker worker = auth.resolve(ctx);
        JobId id = Params.jobId(ctx);
        WorkerDtos.LogBody body = bodies.read(ctx, WorkerDtos.LogBody.class);
        Held held = new Held(id, attempt(body.attempt()));
        if (body.offset() == null || body.offset() < 0) {
            throw new ValidationException("offset is required: a whole number >= 0");
        }
        byte[] data;
        try {
            data = Base64.getDecoder().decode(body.data() == null ? "" : body.data());
        } catch (IllegalArgumentException e) {
            throw new ValidationException("data must be base64: " + e.getMessage());
        }
        if (data.length > MAX_LOG_CHUNK) {
            throw new ValidationException("a log chunk is at most " + MAX_LOG_CHUNK + " bytes (got " + data.length + ")");
        }
        ctx.json(new WorkerDtos.LogWrittenDto(hub.writeLog(worker, held, body.offset(), data)));
    }

    private static int attempt(Integer attempt) {
        if (attempt == null || attempt < 1) {
            throw new ValidationException("attempt is required: the attempt number the worker runs (>= 1)");
        }
        return attempt;
    }

    private static Held held(HeldDto running) {
        return running == null ? null : running.toHeld();
    }

    private static List<GpuDevice> gpus(List<WorkerGpuDto> reported) {
        if (reported == null) {
            return List.of();
        }
        if (reported.size() > MAX_GPUS) {
            throw new ValidationException("at most " + MAX_GPUS + " GPUs, got " + reported.size());
        }
        List<GpuDevice> gpus = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (WorkerGpuDto gpu : reported) {
            if (gpu == null || gpu.index() == null || gpu.index() < 0 || !seen.add(gpu.index())) {
                throw new ValidationException("each GPU needs a distinct index >= 0");
            }
            if (gpu.name() == null || gpu.name().isBlank() || gpu.name().length() > 256) {
                throw new ValidationException("GPU " + gpu.index() + " needs a name of at most 256 characters");
            }
            long mib = gpu.memoryTotalMb() == null ? 0 : gpu.memoryTotalMb();
            if (mib < 0 || mib > (1L << 30)) {
                throw new ValidationException("GPU " + gpu.index() + ": memory_total_mb must be between 0 and 2^30");
            }
            gpus.add(new GpuDevice(gpu.index(), gpu.uuid(), null, gpu.name(), mib << 20, 0, null, null, null));
        }
        return gpus;
    }
}
