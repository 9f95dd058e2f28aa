/**
 * What the core needs from outside, as interfaces over domain types only: {@link
 * dev.gpuqueue.core.port.JobStore} (jobs, settings, events; units of work; listeners after commit),
 * {@link dev.gpuqueue.core.port.UserDirectory}, {@link dev.gpuqueue.core.port.GpuInventory}, {@link
 * dev.gpuqueue.core.port.HostStatus}, {@link dev.gpuqueue.core.port.JobRunner} (one per kind of
 * place a job runs; it reports to an {@link dev.gpuqueue.core.port.AttemptListener}), {@link
 * dev.gpuqueue.core.port.JobConfigs} and {@link dev.gpuqueue.core.port.JobLogs}. Adapters implement
 * them and wrap their technology's exceptions in {@link dev.gpuqueue.core.error.QueueException}s;
 * none crosses a port.
 */
package dev.gpuqueue.core.port;
