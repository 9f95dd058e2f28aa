/**
 * Ports implemented in memory: {@link dev.gpuqueue.core.memory.InMemoryJobStore} (the embedding
 * builder's default store) and {@link dev.gpuqueue.core.memory.InMemoryUserDirectory}. Nothing here
 * survives the process; the SQLite adapters are the durable ones.
 */
package dev.gpuqueue.core.memory;
