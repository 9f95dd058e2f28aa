package dev.gpuqueue.core.policy;

import dev.gpuqueue.core.error.PermissionDeniedException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.Level;

/**
 * Who may do what. Admins only: approve, reject, process, cleanup, change settings. Leads and
 * admins: priority overrides, acting on and seeing everyone's jobs. Researchers and viewers: submit,
 * see and cancel their own jobs. Checked before the job's state, so a refusal never leaks it.
 * Stateless.
 */
public final class Permissions {
    private Permissions() {}

    public static void requireAdmin(Caller caller, String action) {
        if (caller.level() != Level.ADMIN) {
            throw new PermissionDeniedException(action + " needs the admin level (you are " + caller.level().wireName() + ")");
        }
    }

    public static void requireLead(Caller caller, String action) {
        if (!caller.level().atLeast(Level.LEAD)) {
            throw new PermissionDeniedException(
                    action + " needs the lead or admin level (you are " + caller.level().wireName() + ")");
        }
    }

    /** Whether the caller sees every user's jobs (leads and admins) or only their own. */
    public static boolean seesEveryone(Caller caller) {
        return caller.level().atLeast(Level.LEAD);
    }

    public static boolean canSee(Caller caller, Job job) {
        return seesEveryone(caller) || caller.owns(job);
    }

    /** Throws unless the caller owns the job or is a lead or admin. */
    public static void requireOwnerOrLead(Caller caller, Job job, String action) {
        if (!canSee(caller, job)) {
            throw new PermissionDeniedException("job " + job.id() + " belongs to another user; only its owner, leads"
                    + " and admins can " + action + " it");
        }
    }
}
