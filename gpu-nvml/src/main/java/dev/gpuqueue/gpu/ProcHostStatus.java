package dev.gpuqueue.gpu;

import dev.gpuqueue.core.port.HostStatus;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Load and memory of this machine: the 5-minute load average from {@code /proc/loadavg} and the
 * used-memory percentage from {@code /proc/meminfo} ({@code MemTotal - MemAvailable}); where those
 * files are missing (not Linux), the JDK's operating-system bean. Thread-safe.
 */
public final class ProcHostStatus implements HostStatus {
    private final Path proc;

    public ProcHostStatus() {
        this(Path.of("/proc"));
    }

    ProcHostStatus(Path proc) {
        this.proc = proc;
    }

    @Override
    public HostMetrics sample() {
        return new HostMetrics(loadAverage5Min(), memoryPercent());
    }

    private Double loadAverage5Min() {
        try {
            String[] fields = Files.readString(proc.resolve("loadavg")).trim().split("\\s+");
            return Double.parseDouble(fields[1]);
        } catch (IOException | RuntimeException e) {
            double oneMinute = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return oneMinute < 0 ? null : oneMinute;
        }
    }

    private Double memoryPercent() {
        try {
            Map<String, Long> kb = new HashMap<>();
            List<String> lines = Files.readAllLines(proc.resolve("meminfo"));
            for (String line : lines) {
                String[] parts = line.split(":\\s*");
                if (parts.length == 2) {
                    kb.put(parts[0], Long.parseLong(parts[1].replace("kB", "").trim()));
                }
            }
            Long total = kb.get("MemTotal");
            Long available = kb.get("MemAvailable");
            if (total == null || available == null || total == 0) {
                return fromBean();
            }
            return round(100.0 * (total - available) / total);
        } catch (IOException | RuntimeException e) {
            return fromBean();
        }
    }

    private static Double fromBean() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                && os.getTotalMemorySize() > 0) {
            return round(100.0 * (os.getTotalMemorySize() - os.getFreeMemorySize()) / os.getTotalMemorySize());
        }
        return null;
    }

    private static double round(double percent) {
        return Math.round(percent * 10) / 10.0;
    }
}
