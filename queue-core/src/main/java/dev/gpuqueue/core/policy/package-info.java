/**
 * The queue's decisions as pure functions of state and {@code now}: aging and the one dispatch
 * order ({@link dev.gpuqueue.core.policy.DispatchOrder}), admission and placement for a scheduling
 * pass ({@link dev.gpuqueue.core.policy.DispatchPlanner}, {@link dev.gpuqueue.core.policy.GpuPlacement}),
 * approval rules, and wait-time statistics. No I/O, no clock reads, no mutable state.
 */
package dev.gpuqueue.core.policy;
