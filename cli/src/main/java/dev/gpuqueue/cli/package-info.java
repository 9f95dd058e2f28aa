/**
 * The {@code gpuqueue} executable: Picocli commands ({@link dev.gpuqueue.cli.GpuqueueCommand}),
 * the server's Guice bindings and lifecycle ({@code server}), and the local process runner
 * ({@code runner}).
 */
package dev.gpuqueue.cli;
