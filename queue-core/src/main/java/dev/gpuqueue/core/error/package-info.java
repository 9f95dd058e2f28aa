/**
 * The queue's exceptions: one unchecked root, {@link dev.gpuqueue.core.error.QueueException}, and
 * one subclass per way a request can be refused. Each carries the fields an adapter needs to answer
 * (the HTTP layer maps types to status codes in one place); messages say what to fix.
 */
package dev.gpuqueue.core.error;
