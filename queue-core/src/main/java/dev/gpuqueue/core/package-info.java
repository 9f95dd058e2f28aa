/**
 * gpuqueue's core: {@link dev.gpuqueue.core.GpuQueue} assembles a working queue for embedding in a
 * few lines. The rules live in {@code model} and {@code policy}, the use cases in {@code service},
 * the contracts with the outside world in {@code port}; this module depends on the JDK only.
 */
package dev.gpuqueue.core;
