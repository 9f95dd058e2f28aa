package dev.gpuqueue.core;

import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Starts the parts of a running queue in order and stops them in reverse: the database, recovery,
 * the scheduler loop, the HTTP server, and whatever later modules add. A part is registered by
 * starting it; one that fails to start is not registered, and {@link #close()} stops the ones
 * started before it. Stopping goes on past a part whose stop fails (logged). Thread-safe.
 */
public final class Lifecycle implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Lifecycle.class.getName());

    private record Part(String name, Runnable stop) {}

    private final Deque<Part> started = new ArrayDeque<>();
    private boolean closed;

    /** Starts a part that yields a value (an open database, a listening server); {@code stop} undoes it. */
    public synchronized <T> T start(String name, Supplier<T> start, Consumer<? super T> stop) {
        if (closed) {
            throw new IllegalStateException("this lifecycle is stopped; " + name + " was not started");
        }
        T value = start.get();
        started.push(new Part(name, () -> stop.accept(value)));
        LOG.log(Level.DEBUG, "Started {0}", name);
        return value;
    }

    /** Starts a part that yields nothing (recovery, a loop); {@code stop} undoes it. */
    public void start(String name, Runnable start, Runnable stop) {
        start(name, () -> {
            start.run();
            return name;
        }, ignored -> stop.run());
    }

    /** The names of the parts started, in start order. */
    public synchronized List<String> parts() {
        List<String> names = new ArrayList<>();
        started.descendingIterator().forEachRemaining(part -> names.add(part.name()));
        return names;
    }

    /** Stops every started part, the last started first. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        while (!started.isEmpty()) {
            Part part = started.pop();
            try {
                part.stop().run();
                LOG.log(Level.DEBUG, "Stopped {0}", part.name());
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "Stopping " + part.name() + " failed; stopping the rest", e);
            }
        }
    }
}
