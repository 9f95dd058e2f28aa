package dev.gpuqueue.http;

import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.port.HostStatus;
import dev.gpuqueue.core.port.StoreHealth;
import dev.gpuqueue.core.service.QueueService;
import dev.gpuqueue.core.service.Scheduler;
import dev.gpuqueue.core.worker.WorkerHub;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code /api/system/status} (the host, its GPUs, and the remote workers with theirs) and {@code /api/health}. */
final class SystemHandlers {
    private static final double MIB = 1 << 20;

    private final QueueService service;
    private final Scheduler scheduler;
    private final WorkerHub workers;
    private final GpuInventory gpus;
    private final HostStatus host;
    private final CallerResolver callers;
    private final Clock clock;

    SystemHandlers(ApiDependencies deps) {
        this.service = deps.service();
        this.scheduler = deps.scheduler();
        this.workers = deps.workers();
        this.gpus = deps.gpus();
        this.host = deps.host();
        this.callers = deps.callers();
        this.clock = deps.clock();
    }

    void status(Context ctx) {
        callers.resolve(ctx);
        HostStatus.HostMetrics metrics = host.sample();
        List<GpuDevice> devices;
        try {
            devices = gpus.devices();
        } catch (QueueException e) {
            devices = List.of();
        }
        List<Dtos.GpuDto> gpuDtos = devices.stream().map(d -> new Dtos.GpuDto(d.index(), d.name(), d.uuid(), d.pciBusId(),
                Math.round(d.memoryTotalBytes() / MIB), Math.round(d.memoryUsedBytes() / MIB),
                Math.round(d.memoryPercent() * 10) / 10.0, d.utilizationPercent(), d.computeProcesses(), d.migEnabled()))
                .toList();
        Dtos.AllocationDto allocation = Params.boolParam(ctx, "include_allocation") ? allocation(devices) : null;
        Instant now = clock.instant();
        ctx.json(new Dtos.SystemStatusDto(now.getEpochSecond() + now.getNano() / 1e9, metrics.loadAverage5Min(),
                metrics.memoryPercent(), gpuDtos, new Dtos.InventoryDto(gpus.backend(), gpus.indices().size()), allocation,
                workers.views().stream().map(WorkerDtos.WorkerDto::of).toList()));
    }

    private Dtos.AllocationDto allocation(List<GpuDevice> devices) {
        Map<Integer, JobId> holders = service.gpuHolders();
        List<Integer> allocated = new ArrayList<>();
        List<Integer> available = new ArrayList<>();
        List<Dtos.DeviceAllocationDto> rows = new ArrayList<>();
        for (GpuDevice d : devices) {
            JobId holder = holders.get(d.index());
            (holder == null ? available : allocated).add(d.index());
            rows.add(new Dtos.DeviceAllocationDto(d.index(), d.name(), Math.round(d.memoryTotalBytes() / (MIB * 1024) * 10) / 10.0,
                    holder != null, holder == null ? null : holder.value()));
        }
        long runningLocalJobs = holders.values().stream().distinct().count();
        return new Dtos.AllocationDto(allocated, available, runningLocalJobs, rows);
    }

    /**
     * 200 when the database can be written and the scheduler loop ticks; 503 otherwise, with each
     * problem in words (a failed last write says when and why). Answers at once: it waits for no
     * database connection or lock.
     */
    void health(Context ctx) {
        StoreHealth database = service.storeHealth();
        String schedulerState = schedulerState();
        List<String> problems = new ArrayList<>();
        if (!database.ok()) {
            problems.add((database.since() == null ? "" : "since " + database.since() + ": ") + database.problem());
        }
        int unstored = scheduler.unstoredAttemptEnds();
        if (unstored > 0) {
            problems.add(unstored + " job end(s) wait to be stored; they are retried until the database can be written");
        }
        if (schedulerState.equals("stalled")) {
            problems.add("the scheduler loop has not completed a pass since " + scheduler.lastTick());
        }
        boolean ok = problems.isEmpty();
        ctx.status(ok ? 200 : 503).json(new Dtos.HealthDto(ok ? "ok" : "degraded", database.ok() ? "ok" : "failing",
                schedulerState, problems));
    }

    private String schedulerState() {
        if (!scheduler.isStarted()) {
            return "stopped";
        }
        Instant last = scheduler.lastTick();
        Duration allowed = scheduler.interval().multipliedBy(3).plusSeconds(30);
        return last != null && last.plus(allowed).isBefore(clock.instant()) ? "stalled" : "running";
    }
}
