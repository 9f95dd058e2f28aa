package dev.gpuqueue.http;

import dev.gpuqueue.core.model.ArrayMember;
import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.Worker;
import dev.gpuqueue.core.worker.Held;
import dev.gpuqueue.core.worker.Instructions;
import dev.gpuqueue.core.worker.WorkerView;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The JSON shapes of the worker routes and the worker admin routes (snake_case on the wire). */
public final class WorkerDtos {
    private WorkerDtos() {}

    private static final double MIB = 1 << 20;

    /** A GPU as a worker reports it and admins see it. */
    public record WorkerGpuDto(Integer index, String name, String uuid, Long memoryTotalMb) {
        static WorkerGpuDto of(GpuDevice d) {
            return new WorkerGpuDto(d.index(), d.name(), d.uuid(), Math.round(d.memoryTotalBytes() / MIB));
        }
    }

    /** A worker as admins see it. */
    public record WorkerDto(String workerId, String workerType, String status, Map<String, String> labels,
            Map<String, String> adminLabels, Map<String, String> reportedLabels, boolean draining, int gpuCount,
            List<WorkerGpuDto> gpus, String currentJobId, Integer currentAttempt, Instant createdAt,
            Instant registeredAt, Instant lastSeenAt) {
        static WorkerDto of(WorkerView v) {
            Worker w = v.worker();
            return new WorkerDto(w.id(), w.workerType(), v.status().wireName(), w.labels(), w.adminLabels(),
                    w.reportedLabels(), w.draining(), w.gpus().size(), w.gpus().stream().map(WorkerGpuDto::of).toList(),
                    v.job() == null ? null : v.job().jobId().value(), v.job() == null ? null : v.job().attempt(),
                    w.createdAt(), w.registeredAt(), v.lastSeen());
        }
    }

    /** The attempt a worker holds, as it names it in its requests. */
    public record HeldDto(String jobId, Integer attempt) {
        public static HeldDto of(Held held) {
            return held == null ? null : new HeldDto(held.jobId().value(), held.attempt());
        }

        public Held toHeld() {
            if (jobId == null || attempt == null) {
                throw new dev.gpuqueue.core.error.ValidationException("running needs job_id and attempt (or null when"
                        + " the worker runs nothing)");
            }
            if (attempt < 1) {
                throw new dev.gpuqueue.core.error.ValidationException("attempt must be >= 1 (got " + attempt + ")");
            }
            return new Held(JobId.of(jobId), attempt);
        }
    }

    /** An attempt to run: the job as dispatched, with its whole config (the worker keeps no configs). */
    /** An attempt to run; {@code arrayId}, {@code arrayIndex} and {@code arrayParameters} are null outside an array. */
    public record RunDto(String jobId, int attempt, String configName, long userId, String userName,
            boolean anyGpu, Map<String, String> metadata, Map<String, Object> config, String arrayId, Integer arrayIndex,
            Map<String, String> arrayParameters) {
        static RunDto of(Job j) {
            ArrayMember array = j.array();
            return new RunDto(j.id().value(), j.attempt(), j.configName(), j.userId(), j.submitter().userName(),
                    j.anyGpu(), j.metadata(), j.spec().toMap(), array == null ? null : array.arrayId(),
                    array == null ? null : array.index(), array == null ? null : array.parameters());
        }

        /** The job's place in its array, as the worker runs it (the array's cap is the orchestrator's business). */
        public ArrayMember array() {
            return arrayId == null ? null : new ArrayMember(arrayId, arrayIndex, null, arrayParameters);
        }
    }

    /** What a worker must do now: run an attempt, stop one, both, or nothing (both null). */
    public record InstructionsDto(RunDto run, HeldDto stop) {
        static InstructionsDto of(Instructions i) {
            return new InstructionsDto(i.run() == null ? null : RunDto.of(i.run()), HeldDto.of(i.stop()));
        }
    }

    public record RegisterBody(Map<String, String> labels, List<WorkerGpuDto> gpus, HeldDto running) {}

    public record RegisteredDto(String workerId, Map<String, String> labels, boolean draining, long offlineAfterSeconds,
            InstructionsDto instructions) {}

    public record HeartbeatBody(HeldDto running) {}

    public record PollBody(HeldDto running, Integer waitSeconds) {}

    public record StatusBody(Integer attempt, String status, Integer exitCode, String message) {}

    public record AcceptedDto(String jobId, int attempt, String status) {}

    public record LogBody(Integer attempt, Long offset, String data) {}

    public record LogWrittenDto(long nextOffset) {}

    public record NewWorkerBody(String name, Map<String, String> labels, String workerType) {}

    public record CreatedWorkerDto(WorkerDto worker, String token, String command) {}

    public record WorkerTokenDto(String workerId, String token, String command) {}

    public record WorkersDto(List<WorkerDto> workers) {}
}
