package dev.gpuqueue.core.service;

import java.time.Duration;

/**
 * Hears every scheduling pass once it is done: how long it took (its transaction and the starts
 * that followed) and what it decided. Called on the thread that ran the pass; must be quick and must
 * not throw (metrics, logs).
 */
@FunctionalInterface
public interface PassListener {
    void passed(Duration took, PassResult result);
}
