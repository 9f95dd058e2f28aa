package dev.gpuqueue.core.error;

/**
 * An event subscriber fell further behind than its buffer holds and was dropped (so it could never
 * slow a writer). It can subscribe again from {@link #lastDeliveredId()}: the history has every event.
 */
public final class SubscriptionLaggedException extends QueueException {
    private static final long serialVersionUID = 1L;

    private final long lastDeliveredId;

    public SubscriptionLaggedException(long lastDeliveredId, int buffer) {
        super("the subscriber fell more than " + buffer + " events behind; resume after event " + lastDeliveredId);
        this.lastDeliveredId = lastDeliveredId;
    }

    /** The id of the last event delivered before the subscriber was dropped. */
    public long lastDeliveredId() {
        return lastDeliveredId;
    }
}
