/**
 * What the core needs from outside, as interfaces over domain types only: {@link
 * dev.gpuqueue.core.port.JobStore} (jobs, settings, events; units of work), {@link
 * dev.gpuqueue.core.port.UserDirectory}, {@link dev.gpuqueue.core.port.GpuInventory}, {@link
 * dev.gpuqueue.core.port.HostStatus}, {@link dev.gpuqueue.core.port.JobLauncher}, {@link
 * dev.gpuqueue.core.port.JobConfigs}, {@link dev.gpuqueue.core.port.JobLogs} and {@link
 * dev.gpuqueue.core.port.Dispatcher}. Adapters implement them and wrap their technology's
 * exceptions in {@link dev.gpuqueue.core.error.QueueException}s; none crosses a port.
 */
package dev.gpuqueue.core.port;
