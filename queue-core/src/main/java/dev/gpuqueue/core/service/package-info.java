/**
 * The queue's use cases: {@link dev.gpuqueue.core.service.QueueService} (the one facade for submit,
 * cancel, approve, priority, settings, stats, listings and runner callbacks), {@link
 * dev.gpuqueue.core.service.Scheduler} (one synchronous {@code runOnce()} pass, repeated by an
 * optional background loop) and {@link dev.gpuqueue.core.service.Reconciler} (startup recovery).
 * They use ports and policy and an injected {@link java.time.Clock}.
 */
package dev.gpuqueue.core.service;
