/**
 * The {@code gpuqueue} executable: Picocli commands ({@link dev.gpuqueue.cli.GpuqueueCommand}),
 * the server's Guice assembly and lifecycle ({@code server}), and the local process launcher
 * ({@code runner}).
 */
package dev.gpuqueue.cli;
