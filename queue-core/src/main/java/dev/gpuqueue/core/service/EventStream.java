package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.port.CommitListener;
import dev.gpuqueue.core.port.JobStore;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The queue's events as a stream. It hears every commit of the store (in commit order, after the
 * commit) and hands the events to its subscriptions; each subscription starts from an event id it
 * chooses, receives the stored history after that id first, then the live events, every one
 * exactly once and in id order. A subscription holds at most {@code buffer} undelivered live events:
 * one that falls further behind is told it lagged and dropped, so a slow subscriber never slows a
 * writer. Thread-safe.
 */
public final class EventStream implements CommitListener {
    public static final int DEFAULT_BUFFER = 10_000;
    static final int HISTORY_PAGE = 500;

    private final JobStore store;
    private final int buffer;
    private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();

    /** A stream over {@code store}'s commits; registers itself as one of its commit listeners. */
    public EventStream(JobStore store, int buffer) {
        if (buffer < 1) {
            throw new IllegalArgumentException("the buffer holds at least one event, got " + buffer);
        }
        this.store = store;
        this.buffer = buffer;
        store.addCommitListener(this);
    }

    /**
     * A subscription to every event with an id greater than {@code afterId} (0 for the whole history,
     * {@link #lastId()} for live events only) that {@code filter} accepts.
     */
    public Subscription subscribe(long afterId, Predicate<QueueEvent> filter) {
        return subscribe(afterId, filter, null);
    }

    /**
     * As {@link #subscribe(long, Predicate)}, for one job's events when {@code jobId} is not null: its
     * history is read from that job's events alone, not from the whole store's.
     */
    public Subscription subscribe(long afterId, Predicate<QueueEvent> filter, JobId jobId) {
        Predicate<QueueEvent> scoped = jobId == null ? filter : filter.and(e -> jobId.equals(e.jobId()));
        Subscription subscription = new Subscription(this, afterId, scoped, buffer, jobId);
        subscriptions.add(subscription);
        return subscription;
    }

    /** The id of the newest stored event (0 when there is none). */
    public long lastId() {
        return store.read(r -> r.lastEventId());
    }

    /** Hands committed events to every subscription; never blocks. */
    @Override
    public void committed(List<QueueEvent> events) {
        for (Subscription subscription : subscriptions) {
            subscription.offer(events);
        }
    }

    /** How many subscriptions are open. */
    public int subscriptionCount() {
        return subscriptions.size();
    }

    /** Stored events after {@code afterId}, a page at a time: every event's, or one job's (null: every). */
    List<QueueEvent> history(long afterId, JobId jobId) {
        if (jobId != null) {
            return store.read(r -> r.events(jobId)).stream().filter(e -> e.id() > afterId).limit(HISTORY_PAGE).toList();
        }
        return store.read(r -> r.eventsAfter(afterId, HISTORY_PAGE));
    }

    void remove(Subscription subscription) {
        subscriptions.remove(subscription);
    }
}
