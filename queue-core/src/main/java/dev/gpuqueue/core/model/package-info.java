/**
 * The queue's domain as immutable records and enums: {@link dev.gpuqueue.core.model.Job} and its
 * parts, {@link dev.gpuqueue.core.model.JobStatus} with the one transition table, levels, targets,
 * the resolved job config ({@link dev.gpuqueue.core.model.JobSpec}), queue settings with their
 * ranges, and the read models the API shows (queue entries, stats, a user's status, GPUs).
 * Every constructor validates; state changes return new values.
 */
package dev.gpuqueue.core.model;
