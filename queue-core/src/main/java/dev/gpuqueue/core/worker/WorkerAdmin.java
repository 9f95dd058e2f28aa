package dev.gpuqueue.core.worker;

import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.NotFoundException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Worker;
import dev.gpuqueue.core.model.WorkerStatus;
import dev.gpuqueue.core.policy.Permissions;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What admins do with workers: create one (its token is returned once and stored only as a hash),
 * list them (optionally by status), drain and undrain, remove (refused while it runs a job unless
 * forced: the job is then requeued, and the worker, whose token no longer works, stops it), and
 * replace a token. Each change is a {@code worker_changed} event. Thread-safe.
 */
public final class WorkerAdmin {
    /** What the admin level is needed for, in refusals. */
    public static final String ACTION = "managing workers";
    private final WorkerHub hub;

    public WorkerAdmin(WorkerHub hub) {
        this.hub = Objects.requireNonNull(hub, "hub");
    }

    /** A new worker and the token to start it with; the token is not kept anywhere. Immutable. */
    public record CreatedWorker(WorkerView worker, String token) {
        @Override
        public String toString() {
            return "CreatedWorker[worker=" + worker.worker().id() + ", token=<hidden>]";
        }
    }

    public CreatedWorker create(Caller caller, String name, Map<String, String> labels, String workerType) {
        Permissions.requireAdmin(caller, ACTION);
        Worker worker = Worker.created(Worker.checkId(name), workerType, labels, hub.now());
        String token = WorkerTokens.generate();
        hub.registry().add(worker, WorkerTokens.hash(token));
        hub.recorded(worker);
        hub.event(caller.name(), "worker " + worker.id() + " created (type " + worker.workerType()
                + (worker.adminLabels().isEmpty() ? "" : ", labels " + worker.adminLabels()) + ")");
        return new CreatedWorker(view(worker.id()), token);
    }

    /** Every worker, or those with {@code status} when it is not null, by id. */
    public List<WorkerView> list(Caller caller, WorkerStatus status) {
        Permissions.requireAdmin(caller, ACTION);
        return hub.views().stream().filter(v -> status == null || v.status() == status).toList();
    }

    public WorkerView get(Caller caller, String id) {
        Permissions.requireAdmin(caller, ACTION);
        return view(id);
    }

    /**
     * Draining ({@code true}): the worker finishes what it runs and takes nothing new, whatever its
     * heartbeats say, until undrained ({@code false}).
     */
    public WorkerView drain(Caller caller, String id, boolean draining) {
        Permissions.requireAdmin(caller, ACTION);
        Worker worker = existing(id);
        if (worker.draining() != draining) {
            hub.change(id, w -> w.withDraining(draining));
            hub.event(caller.name(), "worker " + id + (draining ? " is draining" : " takes jobs again"));
            if (!draining) {
                hub.triggerPass();
            }
        }
        return view(id);
    }

    /**
     * Removes a worker. While it runs a job this is refused unless {@code force}: the job is then
     * given up (requeued with attempt + 1, or failed when no attempt is left).
     */
    public void remove(Caller caller, String id, boolean force) {
        Permissions.requireAdmin(caller, ACTION);
        WorkerView view = view(id);
        if (view.job() != null && !force) {
            throw new ConflictException("worker " + id + " runs job " + view.job() + "; drain it and remove it once the"
                    + " job ends, or remove it now with force=true (the job is requeued)");
        }
        if (!hub.registry().remove(id)) {
            throw new NotFoundException("no worker named " + id);
        }
        hub.forget(id, "worker " + id + " was removed");
        hub.event(caller.name(), "worker " + id + " removed" + (view.job() == null ? "" : "; its job " + view.job()
                + " is given up"));
    }

    /** Replaces the worker's token (the old one stops working at once); returns the new one, shown once. */
    public String rotate(Caller caller, String id) {
        Permissions.requireAdmin(caller, ACTION);
        existing(id);
        String token = WorkerTokens.generate();
        hub.registry().replaceTokenHash(id, WorkerTokens.hash(token));
        hub.event(caller.name(), "worker " + id + " has a new token");
        return token;
    }

    private Worker existing(String id) {
        return hub.registry().find(Worker.checkId(id)).orElseThrow(() -> new NotFoundException("no worker named " + id));
    }

    private WorkerView view(String id) {
        return hub.view(Worker.checkId(id)).orElseThrow(() -> new NotFoundException("no worker named " + id));
    }
}
