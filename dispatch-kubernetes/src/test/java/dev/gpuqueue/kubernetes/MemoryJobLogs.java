package dev.gpuqueue.kubernetes;

import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.port.JobLogs;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** Job logs in memory, attempt after attempt, with {@link JobLogs#writeAttempt}'s offsets. Thread-safe. */
final class MemoryJobLogs implements JobLogs {
    private final Map<JobId, TreeMap<Integer, byte[]>> logs = new ConcurrentHashMap<>();

    @Override
    public synchronized LogChunk read(JobId id, long offset, int maxBytes) {
        byte[] all = all(id);
        int from = (int) Math.min(offset, all.length);
        int to = (int) Math.min(all.length, from + (long) maxBytes);
        return new LogChunk(Arrays.copyOfRange(all, from, to), to, all.length);
    }

    @Override
    public synchronized long writeAttempt(JobId id, int attempt, long offset, byte[] data) {
        TreeMap<Integer, byte[]> attempts = logs.computeIfAbsent(id, key -> new TreeMap<>());
        byte[] kept = attempts.getOrDefault(attempt, new byte[0]);
        if (offset > kept.length) {
            return kept.length;
        }
        byte[] next = Arrays.copyOf(kept, (int) Math.max(kept.length, offset + data.length));
        System.arraycopy(data, 0, next, (int) offset, data.length);
        attempts.put(attempt, next);
        return next.length;
    }

    @Override
    public void delete(JobId id) {
        logs.remove(id);
    }

    synchronized String text(JobId id) {
        return new String(all(id), StandardCharsets.UTF_8);
    }

    private byte[] all(JobId id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        logs.getOrDefault(id, new TreeMap<>()).values().forEach(out::writeBytes);
        return out.toByteArray();
    }
}
