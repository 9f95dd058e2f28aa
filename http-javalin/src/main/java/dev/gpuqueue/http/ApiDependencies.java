package dev.gpuqueue.http;

import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.port.HostStatus;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.service.QueueService;
import dev.gpuqueue.core.service.UserAdmin;
import dev.gpuqueue.core.service.Scheduler;
import dev.gpuqueue.core.worker.WorkerHub;
import java.time.Clock;
import java.util.Objects;

/**
 * What the HTTP API needs: the queue's facade and scheduler, the remote workers, the GPUs, the host, the job logs, the
 * users, who is calling, and the clock. Immutable.
 */
public record ApiDependencies(
        QueueService service,
        Scheduler scheduler,
        WorkerHub workers,
        GpuInventory gpus,
        HostStatus host,
        JobLogs logs,
        UserAdmin users,
        CallerResolver callers,
        Clock clock) {

    public ApiDependencies {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(workers, "workers");
        Objects.requireNonNull(gpus, "gpus");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(logs, "logs");
        Objects.requireNonNull(users, "users");
        Objects.requireNonNull(callers, "callers");
        Objects.requireNonNull(clock, "clock");
    }
}
