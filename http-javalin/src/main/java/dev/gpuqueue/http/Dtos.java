package dev.gpuqueue.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.gpuqueue.core.model.Dependency;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.JobSpec;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.QueueStats;
import dev.gpuqueue.core.model.UserQueueStatus;
import dev.gpuqueue.core.model.WorkerStatus;
import dev.gpuqueue.core.service.PositionInfo;
import dev.gpuqueue.core.service.SubmitResult;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shapes of the API, as records named after what they show (snake_case on the wire). */
final class Dtos {
    private Dtos() {}

    record QueueEntryDto(
            String jobId, long userId, String userName, String teamId, String configName, String status,
            int priority, Integer priorityOverride, int effectivePriority, Integer position, String pendingReason,
            Instant queuedAt, Instant startedAt, Instant completedAt, double estimatedCost, boolean requiresApproval,
            int attempt, int maxAttempts, int numProcesses, List<Integer> allocatedGpus, String errorMessage,
            List<DependencyDto> dependsOn, String arrayId, Integer arrayIndex) {

        static QueueEntryDto of(QueueEntry e) {
            Job j = e.job();
            return new QueueEntryDto(j.id().value(), j.userId(), j.submitter().userName(), j.teamId(), j.configName(),
                    j.status().wireName(), j.priority(), j.priorityOverride(), e.effectivePriority(), e.position(),
                    e.pendingReason() == null ? null : e.pendingReason().message(), j.queuedAt(), j.startedAt(),
                    j.completedAt(), j.estimatedCost(), j.requiresApproval(), j.attempt(), j.maxAttempts(),
                    j.numProcesses(), j.allocatedGpus(), j.errorMessage(), DependencyDto.of(j.dependsOn()), j.arrayId(),
                    j.array() == null ? null : j.array().index());
        }

        static List<QueueEntryDto> of(List<QueueEntry> entries) {
            return entries.stream().map(QueueEntryDto::of).toList();
        }
    }

    record QueueListDto(List<QueueEntryDto> entries, long totalPending, long totalRunning) {}

    record JobDto(
            String jobId, long userId, String userName, String teamId, String provider, String configName,
            String jobType, String status, int priority, Integer priorityOverride, Instant queuedAt,
            Instant startedAt, Instant completedAt, double estimatedCost, boolean requiresApproval, Long approvalId,
            int attempt, int maxAttempts, String errorMessage, Map<String, String> metadata,
            List<Integer> allocatedGpus, int numProcesses, String target, boolean anyGpu,
            Map<String, String> workerLabels, List<Integer> deviceIds, String allocatedWorkerId, Long pid,
            Instant processStartedAt, Integer exitCode, Map<String, Object> config, List<DependencyDto> dependsOn,
            boolean awaitingDependencies, String arrayId, Integer arrayIndex, Integer arrayMaxRunning,
            Map<String, String> arrayParameters) {

        static JobDto of(Job j) {
            return new JobDto(j.id().value(), j.userId(), j.submitter().userName(), j.teamId(), j.provider(),
                    j.configName(), j.type().wireName(), j.status().wireName(), j.priority(), j.priorityOverride(),
                    j.queuedAt(), j.startedAt(), j.completedAt(), j.estimatedCost(), j.requiresApproval(),
                    j.approvalId(), j.attempt(), j.maxAttempts(), j.errorMessage(), j.metadata(), j.allocatedGpus(),
                    j.numProcesses(), j.target().wireName(), j.anyGpu(), j.workerLabels(), j.spec().deviceIds(),
                    j.placement().workerId(), j.process() == null ? null : j.process().pid(),
                    j.process() == null ? null : j.process().startTime(), j.exitCode(), j.spec().toMap(),
                    DependencyDto.of(j.dependsOn()), j.awaitingDependencies(), j.arrayId(),
                    j.array() == null ? null : j.array().index(), j.array() == null ? null : j.array().maxRunning(),
                    j.array() == null ? null : j.array().parameters());
        }
    }

    /** One entry of a job's {@code depends_on}, as submitted. */
    record DependencyDto(String jobId, String condition) {
        static List<DependencyDto> of(List<Dependency> dependencies) {
            return dependencies.stream().map(d -> new DependencyDto(d.jobId().value(), d.condition().wireName())).toList();
        }
    }

    record JobListDto(List<JobDto> jobs, long total) {}

    record LocalDto(long runningJobs, long pendingJobs, List<Integer> allocatedGpus, List<Integer> availableGpus,
            int totalGpus, Integer maxConcurrentGpus, int maxConcurrentJobs) {}

    record StatsDto(long queueDepth, long running, int maxConcurrent, int userMaxConcurrent, int teamMaxConcurrent,
            boolean enableFairShare, Double avgWaitSeconds, Map<String, Long> byStatus, Map<String, Long> byUser,
            Integer localGpuMaxConcurrent, int localJobMaxConcurrent, LocalDto local, WorkerCountsDto workers) {
        static StatsDto of(QueueStats s, Map<WorkerStatus, Long> workers) {
            Map<String, Long> byStatus = new LinkedHashMap<>();
            s.byStatus().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> byStatus.put(e.getKey().wireName(), e.getValue()));
            Map<String, Long> byUser = new LinkedHashMap<>();
            s.byUser().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> byUser.put(String.valueOf(e.getKey()), e.getValue()));
            QueueSettings q = s.settings();
            QueueStats.Local l = s.local();
            return new StatsDto(s.queueDepth(), s.running(), q.maxConcurrent(), q.userMaxConcurrent(),
                    q.teamMaxConcurrent(), q.enableFairShare(), s.avgWaitSeconds(), byStatus, byUser,
                    q.localGpuMaxConcurrent(), q.localJobMaxConcurrent(), new LocalDto(l.runningJobs(), l.pendingJobs(),
                            l.allocatedGpus(), l.availableGpus(), l.totalGpus(), l.maxConcurrentGpus(), l.maxConcurrentJobs()),
                    WorkerCountsDto.of(workers));
        }
    }

    /** Workers per status; {@code total} counts them all. */
    record WorkerCountsDto(long total, long connecting, long idle, long busy, long draining, long offline) {
        static WorkerCountsDto of(Map<WorkerStatus, Long> counts) {
            return new WorkerCountsDto(counts.values().stream().mapToLong(Long::longValue).sum(),
                    counts.getOrDefault(WorkerStatus.CONNECTING, 0L), counts.getOrDefault(WorkerStatus.IDLE, 0L),
                    counts.getOrDefault(WorkerStatus.BUSY, 0L), counts.getOrDefault(WorkerStatus.DRAINING, 0L),
                    counts.getOrDefault(WorkerStatus.OFFLINE, 0L));
        }
    }

    record MeDto(int pendingCount, int runningCount, int blockedCount, Integer bestPosition,
            List<QueueEntryDto> pendingJobs, List<QueueEntryDto> runningJobs) {
        static MeDto of(UserQueueStatus s) {
            return new MeDto(s.pendingCount(), s.runningCount(), s.blockedCount(), s.bestPosition(),
                    QueueEntryDto.of(s.pendingJobs()), QueueEntryDto.of(s.runningJobs()));
        }
    }

    record PositionDto(String jobId, String status, Integer position, int effectivePriority, String pendingReason,
            Instant queuedAt, Double estimatedWaitSeconds) {
        static PositionDto of(PositionInfo p) {
            return new PositionDto(p.job().id().value(), p.job().status().wireName(), p.position(), p.effectivePriority(),
                    p.pendingReason() == null ? null : p.pendingReason().message(), p.job().queuedAt(),
                    p.estimatedWaitSeconds());
        }
    }

    record ChangeDto(boolean success, String jobId, String status) {
        static ChangeDto of(Job j) {
            return new ChangeDto(true, j.id().value(), j.status().wireName());
        }
    }

    record ApprovedDto(boolean success, String jobId, String status, String approvedBy) {}

    record RejectedDto(boolean success, String jobId, String status, String rejectedBy, String reason) {}

    record PriorityDto(boolean success, String jobId, int previousEffectivePriority, int newEffectivePriority,
            Integer priorityOverride) {}

    record ProcessDto(boolean success, int dispatched, List<String> jobIds) {}

    record CleanupDto(boolean success, int deleted, int days) {}

    /** A submit's answer; for an array, about its first job, with {@code array} naming them all. */
    record SubmitDto(boolean success, String jobId, String status, List<Integer> allocatedGpus,
            String allocatedWorkerId, Integer queuePosition, boolean requiresApproval, String reason, ArrayDto array) {
        static SubmitDto of(SubmitResult r) {
            SubmitResult.ArraySummary a = r.array();
            return new SubmitDto(r.success(), r.jobId() == null ? null : r.jobId().value(), r.status().wireName(),
                    r.allocatedGpus(), r.allocatedWorkerId(), r.queuePosition(), r.requiresApproval(), r.reason(),
                    a == null ? null : new ArrayDto(a.arrayId(), a.jobIds().size(), a.started(),
                            a.jobIds().stream().map(JobId::value).toList()));
        }
    }

    record ArrayDto(String arrayId, int count, int started, List<String> jobIds) {}

    record ArrayCancelDto(boolean success, String arrayId, int cancelled, List<String> jobIds) {}

    record EventDto(long id, String type, Instant at, String actor, String jobId, Long userId, String from, String to,
            String detail) {
        static EventDto of(QueueEvent e) {
            return new EventDto(e.id(), e.type().wireName(), e.at(), e.actor(), e.jobId() == null ? null : e.jobId().value(),
                    e.userId(), e.from() == null ? null : e.from().wireName(), e.to() == null ? null : e.to().wireName(),
                    e.detail());
        }
    }

    record EventsDto(String jobId, List<EventDto> events) {}

    record GpuDto(int index, String name, String uuid, String pciBusId, long memoryTotalMb, long memoryUsedMb,
            double memoryPercent, Integer utilizationPercent, Integer computeProcesses, Boolean migEnabled) {}

    record InventoryDto(String backend, int count) {}

    record DeviceAllocationDto(int index, String name, double memoryGb, boolean allocated, String jobId) {}

    record AllocationDto(List<Integer> allocatedGpus, List<Integer> availableGpus, long runningLocalJobs,
            List<DeviceAllocationDto> devices) {}

    record SystemStatusDto(double timestamp, @JsonProperty("load_avg_5min") Double loadAvg5min, Double memoryPercent, List<GpuDto> gpus,
            InventoryDto gpuInventory, AllocationDto gpuAllocation, List<WorkerDtos.WorkerDto> workers) {}

    record HealthDto(String status, String database, String scheduler, List<String> problems) {}
}
