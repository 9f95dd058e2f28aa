package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.OnlineWorker;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.port.JobConfigs;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.port.JobRunner;
import dev.gpuqueue.core.port.JobStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The core's use cases wired to one another and to the ports: the two facades ({@link QueueService},
 * {@link Scheduler}), recovery ({@link Reconciler}) and the event stream ({@link EventStream}, which
 * hears every commit of the store from the moment it is assembled). Embedders and the server get it
 * through {@code GpuQueue.builder()}. Immutable.
 */
public record QueueCore(QueueService service, Scheduler scheduler, Reconciler reconciler, EventStream events) {

    /** The parts a core is assembled from; see {@code GpuQueue.Builder} for each one's meaning and default. */
    public record Parts(JobStore store, GpuInventory gpus, List<JobRunner> runners, Supplier<List<OnlineWorker>> workers,
            JobConfigs configs, JobLogs logs, Clock clock, Duration interval, Duration stopGrace, Duration stopConfirmWait,
            int eventBuffer) {
        public Parts {
            runners = List.copyOf(runners);
            if (stopGrace.isNegative() || stopConfirmWait.isNegative()) {
                throw new IllegalArgumentException("the stop grace and confirm wait must be >= 0, got " + stopGrace
                        + " and " + stopConfirmWait);
            }
        }
    }

    public static QueueCore assemble(Parts p) {
        Runners runners = new Runners(p.runners());
        QueuePlanner planner = new QueuePlanner(p.gpus(), runners.namedRunners(), runners::unavailable, p.workers());
        EventStream events = new EventStream(p.store(), p.eventBuffer());
        PassTrigger afterEnd = new PassTrigger();
        AttemptReports reports = new AttemptReports(p.store(), runners, p.clock(), p.stopGrace(), p.stopConfirmWait(),
                afterEnd);
        Passes passes = new Passes(p.store(), planner, runners, reports, p.clock());
        afterEnd.passes = passes;
        TimeLimits timeLimits = new TimeLimits(p.store(), reports, p.clock());
        SchedulerLoop loop = new SchedulerLoop(passes, reports, timeLimits, p.clock(), p.interval());
        QueueService service = new QueueService(
                new Submissions(p.store(), p.configs(), p.gpus(), runners, p.workers(), passes, planner,
                        p.clock()),
                new JobCommands(p.store(), passes, reports, p.logs(), p.clock()),
                new QueueQueries(p.store(), planner, p.gpus(), events, p.clock()));
        return new QueueCore(service, new Scheduler(passes, reports, timeLimits, loop),
                new Reconciler(p.store(), runners, reports, passes, p.clock()), events);
    }

    /** The pass after an attempt's end: attempt reports and passes need each other, so this ties them. */
    private static final class PassTrigger implements Runnable {
        private volatile Passes passes;

        @Override
        public void run() {
            passes.runOnce();
        }
    }
}
