package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.Job;

/** The result of setting or clearing a priority override. Immutable. */
public record PriorityChange(Job job, int previousEffectivePriority, int newEffectivePriority) {}
