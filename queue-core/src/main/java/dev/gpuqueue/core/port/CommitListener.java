package dev.gpuqueue.core.port;

import dev.gpuqueue.core.model.QueueEvent;
import java.util.List;

/**
 * Hears the events of each committed unit of work, with their ids, in commit order, right after
 * the commit (never from inside a transaction, never for a unit that rolled back). Implementations
 * must return at once: they run while the store admits no other write.
 */
@FunctionalInterface
public interface CommitListener {
    void committed(List<QueueEvent> events);

    /** Tells each of {@code listeners} about {@code events}; one that fails is logged and the others still hear. */
    static void notifyAll(List<CommitListener> listeners, List<QueueEvent> events) {
        for (CommitListener listener : listeners) {
            try {
                listener.committed(events);
            } catch (RuntimeException e) {
                System.getLogger(CommitListener.class.getName()).log(System.Logger.Level.ERROR,
                        "A commit listener failed on events " + events.get(0).id() + ".." + events.get(events.size() - 1).id(), e);
            }
        }
    }
}
