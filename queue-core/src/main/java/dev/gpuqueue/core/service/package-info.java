/**
 * The queue's use cases, behind two thin facades. {@link dev.gpuqueue.core.service.QueueService}
 * (what users and embedders ask) delegates to {@code Submissions}, {@code JobCommands} and {@code
 * QueueQueries}; {@link dev.gpuqueue.core.service.Scheduler} (what keeps jobs moving) to {@code
 * Passes} (one synchronous pass), {@code AttemptReports} (the listener every runner reports to, and
 * stops), {@code TimeLimits} and {@code SchedulerLoop}. Every job state change goes through {@code
 * Transitions}; {@link dev.gpuqueue.core.service.EventStream} hands committed events to
 * subscribers; {@link dev.gpuqueue.core.service.Reconciler} recovers after a restart. {@link
 * dev.gpuqueue.core.service.QueueCore} wires them to the ports. They use ports and policy and an
 * injected {@link java.time.Clock}.
 */
package dev.gpuqueue.core.service;
