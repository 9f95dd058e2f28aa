package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.SubscriptionLaggedException;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.QueueEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * One subscriber's view of the {@link EventStream}: the stored history after its starting id, then
 * live events, each exactly once, in id order, as far as its filter accepts them. Live events wait
 * in a bounded buffer; when it overflows the subscription is dropped and {@link #next} says so.
 * One consumer thread calls {@link #next}; writers only ever add to the buffer. Thread-safe.
 */
public final class Subscription implements AutoCloseable {
    private final EventStream stream;
    private final Predicate<QueueEvent> filter;
    /** The one job whose events this subscription wants, or null for every job's: where its history is read. */
    private final JobId jobId;
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayDeque<QueueEvent> live = new ArrayDeque<>();
    private boolean lagged;
    private boolean closed;
    /** The consumer's position: the id of the last event it was given (or skipped as filtered). */
    private long position;
    private boolean replaying = true;

    Subscription(EventStream stream, long afterId, Predicate<QueueEvent> filter, int capacity, JobId jobId) {
        this.stream = stream;
        this.jobId = jobId;
        this.position = afterId;
        this.filter = filter;
        this.capacity = capacity;
    }

    /** Adds committed events to the buffer; never blocks. */
    void offer(List<QueueEvent> events) {
        lock.lock();
        try {
            if (closed || lagged) {
                return;
            }
            if (live.size() + events.size() > capacity) {
                lagged = true;
                live.clear();
                stream.remove(this);
            } else {
                live.addAll(events);
            }
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next events, in id order: stored history first, then live ones, waiting up to
     * {@code timeout} when none is ready. An empty list means none arrived in that time.
     *
     * @throws SubscriptionLaggedException when the subscriber fell too far behind (it was dropped)
     */
    public List<QueueEvent> next(Duration timeout) throws InterruptedException {
        if (lagged()) {
            throw new SubscriptionLaggedException(position, capacity);
        }
        while (replaying) {
            List<QueueEvent> page = stream.history(position, jobId);
            if (page.isEmpty()) {
                replaying = false;
                break;
            }
            List<QueueEvent> accepted = accept(page);
            if (!accepted.isEmpty()) {
                return accepted;
            }
        }
        List<QueueEvent> batch;
        lock.lock();
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (live.isEmpty() && !lagged && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return List.of();
                }
                arrived.awaitNanos(left);
            }
            if (lagged) {
                throw new SubscriptionLaggedException(position, capacity);
            }
            batch = new ArrayList<>(live);
            live.clear();
        } finally {
            lock.unlock();
        }
        List<QueueEvent> accepted = fillGap(batch);
        accepted.addAll(accept(batch));
        return accepted;
    }

    /**
     * The stored events between this subscription's position and a live batch that does not follow it
     * directly: events another process committed (say {@code gpuqueue users} on the database), which
     * this process's listeners never heard.
     */
    private List<QueueEvent> fillGap(List<QueueEvent> batch) {
        List<QueueEvent> accepted = new ArrayList<>();
        while (!batch.isEmpty() && batch.get(0).id() > position + 1) {
            List<QueueEvent> page = stream.history(position, jobId).stream().filter(e -> e.id() < batch.get(0).id()).toList();
            if (page.isEmpty()) {
                break;
            }
            accepted.addAll(accept(page));
        }
        return accepted;
    }

    /** Drops what was already delivered (history and live overlap) and what the filter refuses; moves the position. */
    private List<QueueEvent> accept(List<QueueEvent> events) {
        List<QueueEvent> accepted = new ArrayList<>(events.size());
        for (QueueEvent event : events) {
            if (event.id() > position) {
                position = event.id();
                if (filter.test(event)) {
                    accepted.add(event);
                }
            }
        }
        return accepted;
    }

    /** The id of the last event this subscription has passed (delivered or filtered out). */
    public long position() {
        return position;
    }

    /** Whether it fell behind and was dropped. */
    public boolean lagged() {
        lock.lock();
        try {
            return lagged;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the subscription: no more events; a consumer waiting in {@link #next} returns at once. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            live.clear();
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        stream.remove(this);
    }

}
