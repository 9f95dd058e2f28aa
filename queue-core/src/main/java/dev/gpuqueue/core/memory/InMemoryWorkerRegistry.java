package dev.gpuqueue.core.memory;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.model.Worker;
import dev.gpuqueue.core.port.WorkerRegistry;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/** Workers in memory, for embedders and tests; gone when the process ends. Thread-safe. */
public final class InMemoryWorkerRegistry implements WorkerRegistry {
    private record Entry(Worker worker, String tokenHash) {}

    private final Map<String, Entry> byId = new TreeMap<>();

    @Override
    public synchronized void add(Worker worker, String tokenHash) {
        Objects.requireNonNull(tokenHash, "tokenHash");
        if (byId.putIfAbsent(worker.id(), new Entry(worker, tokenHash)) != null) {
            throw new ConflictException("a worker named " + worker.id() + " exists");
        }
    }

    @Override
    public synchronized Optional<Worker> find(String id) {
        return Optional.ofNullable(byId.get(id)).map(Entry::worker);
    }

    @Override
    public synchronized Optional<Worker> findByTokenHash(String tokenHash) {
        return byId.values().stream().filter(e -> e.tokenHash().equals(tokenHash)).map(Entry::worker).findFirst();
    }

    @Override
    public synchronized List<Worker> list() {
        return byId.values().stream().map(Entry::worker).toList();
    }

    @Override
    public synchronized void update(Worker worker) {
        Entry entry = existing(worker.id());
        byId.put(worker.id(), new Entry(worker, entry.tokenHash()));
    }

    @Override
    public synchronized void replaceTokenHash(String id, String tokenHash) {
        Entry entry = existing(id);
        byId.put(id, new Entry(entry.worker(), Objects.requireNonNull(tokenHash, "tokenHash")));
    }

    @Override
    public synchronized boolean remove(String id) {
        return byId.remove(id) != null;
    }

    private Entry existing(String id) {
        Entry entry = byId.get(id);
        if (entry == null) {
            throw new NotFoundException("no worker named " + id);
        }
        return entry;
    }
}
