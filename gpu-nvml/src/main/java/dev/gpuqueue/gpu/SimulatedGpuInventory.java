package dev.gpuqueue.gpu;

import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.port.GpuInventory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPUs declared rather than detected, for tests, demos and machines without NVIDIA hardware:
 * {@code 4} (four 40 GB "Simulated GPU"s), {@code 2:A100:40}, {@code 8:H100-80GB:80} (count, name,
 * memory in GB). Idle, with stable UUIDs. Immutable.
 */
public final class SimulatedGpuInventory implements GpuInventory {
    public static final int MAX_GPUS = 64;
    private static final Pattern SPEC = Pattern.compile("(\\d{1,4})(?::([A-Za-z0-9][A-Za-z0-9._ -]{0,63}):(\\d{1,5}))?");
    private static final long GIB = 1L << 30;

    private final String spec;
    private final List<GpuDevice> devices;

    private SimulatedGpuInventory(String spec, List<GpuDevice> devices) {
        this.spec = spec;
        this.devices = List.copyOf(devices);
    }

    /**
     * Parses {@code COUNT} or {@code COUNT:NAME:MEMORY_GB}.
     *
     * @throws ValidationException saying what a valid spec looks like
     */
    public static SimulatedGpuInventory parse(String spec) {
        String text = spec == null ? "" : spec.trim();
        Matcher m = SPEC.matcher(text);
        if (!m.matches()) {
            throw new ValidationException("invalid simulated GPU spec '" + spec + "': use COUNT or COUNT:NAME:MEMORY_GB,"
                    + " e.g. 4, 2:A100:40 or 8:H100-80GB:80");
        }
        int count = Integer.parseInt(m.group(1));
        if (count > MAX_GPUS) {
            throw new ValidationException("invalid simulated GPU spec '" + spec + "': at most " + MAX_GPUS + " GPUs");
        }
        String name = m.group(2) == null ? "Simulated GPU" : m.group(2).trim();
        int memoryGb = m.group(3) == null ? 40 : Integer.parseInt(m.group(3));
        if (memoryGb < 1 || memoryGb > 4096) {
            throw new ValidationException("invalid simulated GPU spec '" + spec + "': memory must be 1 to 4096 GB");
        }
        List<GpuDevice> devices = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            devices.add(new GpuDevice(i, String.format(Locale.ROOT, "GPU-00000000-0000-4000-8000-%012d", i),
                    String.format(Locale.ROOT, "00000000:%02X:00.0", i + 1), name, memoryGb * GIB, 0, 0, 0, false));
        }
        return new SimulatedGpuInventory(text, devices);
    }

    @Override
    public List<GpuDevice> devices() {
        return devices;
    }

    @Override
    public String backend() {
        return "simulated";
    }

    /** The spec this inventory was built from. */
    public String spec() {
        return spec;
    }
}
