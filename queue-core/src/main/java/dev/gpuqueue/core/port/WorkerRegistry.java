package dev.gpuqueue.core.port;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.model.Worker;
import java.util.List;
import java.util.Optional;

/**
 * The remote workers an admin created, and the hashes of their tokens (never the tokens). A token
 * replaced or a worker removed stops working at once. Implementations are thread-safe.
 */
public interface WorkerRegistry {

    /**
     * Records a new worker with its token's hash.
     *
     * @throws ConflictException when a worker with that id exists
     */
    void add(Worker worker, String tokenHash);

    Optional<Worker> find(String id);

    Optional<Worker> findByTokenHash(String tokenHash);

    /** Every worker, by id. */
    List<Worker> list();

    /**
     * Replaces the stored worker of the same id.
     *
     * @throws NotFoundException when there is no such worker
     */
    void update(Worker worker);

    /**
     * Replaces the worker's token hash; the old token stops working at once.
     *
     * @throws NotFoundException when there is no such worker
     */
    void replaceTokenHash(String id, String tokenHash);

    /** Removes the worker; false when there was none. */
    boolean remove(String id);
}
