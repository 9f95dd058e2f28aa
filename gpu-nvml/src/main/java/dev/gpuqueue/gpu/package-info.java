/**
 * GPUs and the host: {@link dev.gpuqueue.gpu.NvmlGpuInventory} reads NVIDIA GPUs through NVML over
 * JNA (loaded lazily, missing library or driver reported as a value, never a crash), {@link
 * dev.gpuqueue.gpu.SimulatedGpuInventory} declares GPUs for tests and demos, {@link
 * dev.gpuqueue.gpu.GpuInventories} picks one, and {@link dev.gpuqueue.gpu.ProcHostStatus} reads load
 * and memory from {@code /proc}.
 */
package dev.gpuqueue.gpu;
