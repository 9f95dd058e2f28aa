package dev.gpuqueue.http;

import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.service.JobsPage;
import dev.gpuqueue.core.service.JobsQuery;
import dev.gpuqueue.core.service.QueueQuery;
import dev.gpuqueue.core.service.QueueService;
import io.javalin.http.Context;
import java.util.Arrays;

/** The {@code /api/jobs} handlers. */
final class JobHandlers {
    /** Most of a log one request returns. */
    static final int MAX_LOG_BYTES = 1 << 20;
    static final int MAX_TAIL_LINES = 100_000;

    private final QueueService service;
    private final JobLogs logs;
    private final CallerResolver callers;

    JobHandlers(ApiDependencies deps) {
        this.service = deps.service();
        this.logs = deps.logs();
        this.callers = deps.callers();
    }

    void list(Context ctx) {
        Caller caller = callers.resolve(ctx);
        String user = ctx.queryParam("user");
        Long userId = user == null || user.isBlank() ? null : (long) Params.intParam(ctx, "user", 0, 0, Integer.MAX_VALUE);
        JobsPage page = service.jobs(caller, new JobsQuery(Params.statusParam(ctx), userId,
                Params.intParam(ctx, "limit", QueueQuery.DEFAULT_LIMIT, 1, QueueQuery.MAX_LIMIT),
                Params.intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE)));
        ctx.json(new Dtos.JobListDto(page.jobs().stream().map(Dtos.JobDto::of).toList(), page.total()));
    }

    void get(Context ctx) {
        ctx.json(Dtos.JobDto.of(service.job(callers.resolve(ctx), Params.jobId(ctx))));
    }

    void cancel(Context ctx) {
        ctx.json(Dtos.ChangeDto.of(service.cancel(callers.resolve(ctx), Params.jobId(ctx))));
    }

    void events(Context ctx) {
        JobId id = Params.jobId(ctx);
        ctx.json(new Dtos.EventsDto(id.value(),
                service.events(callers.resolve(ctx), id).stream().map(Dtos.EventDto::of).toList()));
    }

    /**
     * The job's output, byte for byte as the job wrote it (a multi-byte character cut by the chunk
     * limit is completed by the next request): from byte {@code offset} (so a client can follow by
     * asking again from {@code X-Log-Offset}), or its last {@code tail} lines.
     */
    void logs(Context ctx) {
        JobId id = Params.jobId(ctx);
        service.job(callers.resolve(ctx), id);
        long offset = Params.longParam(ctx, "offset", 0, 0, Long.MAX_VALUE);
        int tail = Params.intParam(ctx, "tail", 0, 1, MAX_TAIL_LINES);
        JobLogs.LogChunk chunk;
        byte[] bytes;
        if (tail > 0) {
            long size = logs.read(id, 0, 0).size();
            long from = Math.max(0, size - MAX_LOG_BYTES);
            chunk = logs.read(id, from, MAX_LOG_BYTES);
            bytes = lastLines(chunk.data(), tail, from > 0);
        } else {
            chunk = logs.read(id, offset, MAX_LOG_BYTES);
            bytes = chunk.data();
        }
        ctx.header("X-Log-Offset", String.valueOf(chunk.nextOffset()));
        ctx.header("X-Log-Size", String.valueOf(chunk.size()));
        ctx.contentType("text/plain; charset=utf-8").result(bytes);
    }

    /**
     * The last {@code lines} lines of {@code data}; when {@code data} starts mid-file and holds fewer
     * lines, its first, partial line is dropped, unless it is all there is (the end of one long line).
     */
    static byte[] lastLines(byte[] data, int lines, boolean startsMidFile) {
        int end = data.length > 0 && data[data.length - 1] == '\n' ? data.length - 1 : data.length;
        int start = end;
        int found = 0;
        for (; start > 0; start--) {
            if (data[start - 1] == '\n' && ++found == lines) {
                break;
            }
        }
        if (start == 0 && startsMidFile) {
            int firstNewline = indexOf(data, (byte) '\n');
            // A chunk with no line start but the end is one long line's end: that is its last line.
            start = firstNewline < 0 || firstNewline >= end ? 0 : firstNewline + 1;
        }
        return Arrays.copyOfRange(data, start, data.length);
    }

    private static int indexOf(byte[] data, byte value) {
        for (int i = 0; i < data.length; i++) {
            if (data[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
