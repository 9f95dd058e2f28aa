package dev.gpuqueue.gpu;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.port.GpuInventory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * NVIDIA GPUs read through NVML. Every query is one {@code nvmlInit_v2} ... {@code nvmlShutdown}
 * pair (the shutdown also runs when a call fails half-way), and device handles are re-acquired by
 * index each time, never kept across a shutdown. The set of indices is read once, when the
 * inventory is opened. Thread-safe (queries are serialized).
 */
public final class NvmlGpuInventory implements GpuInventory {
    private final NvmlLibrary nvml;
    private final SortedSet<Integer> indices;
    private final String driverVersion;

    private NvmlGpuInventory(NvmlLibrary nvml) {
        this.nvml = nvml;
        List<GpuDevice> devices = devices();
        SortedSet<Integer> found = new TreeSet<>();
        devices.forEach(d -> found.add(d.index()));
        this.indices = Collections.unmodifiableSortedSet(found);
        this.driverVersion = query(lib -> {
            byte[] version = new byte[NvmlLibrary.NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE];
            int code = lib.nvmlSystemGetDriverVersion(version, version.length);
            return code == NvmlReturn.SUCCESS.code() ? Native.toString(version) : null;
        });
    }

    /** The outcome of trying NVML: an open inventory, or why there is none. Immutable. */
    public record Probe(NvmlGpuInventory inventory, String reason) {
        public boolean available() {
            return inventory != null;
        }
    }

    /** Tries the system's NVML: loads the library, initialises it and lists the devices. */
    public static Probe probe() {
        return probe(NvmlLoader.system());
    }

    /** Tries the NVML library at {@code pathOrName} (for tests with a stub library). */
    static Probe probe(String pathOrName) {
        return probe(NvmlLoader.load(List.of(pathOrName)));
    }

    static Probe probe(NvmlLoader.Availability availability) {
        if (!availability.isLoaded()) {
            return new Probe(null, "not available: " + availability.reason());
        }
        return probe(availability.library());
    }

    static Probe probe(NvmlLibrary library) {
        try {
            return new Probe(new NvmlGpuInventory(library), null);
        } catch (NvmlException e) {
            return new Probe(null, "not available: " + e.getMessage());
        }
    }

    @Override
    public List<GpuDevice> devices() {
        return query(this::readDevices);
    }

    @Override
    public SortedSet<Integer> indices() {
        return indices;
    }

    @Override
    public String backend() {
        return "nvml";
    }

    /** The driver version NVML reports, or null. */
    public String driverVersion() {
        return driverVersion;
    }

    private synchronized <T> T query(Function<NvmlLibrary, T> work) {
        check(nvml.nvmlInit_v2(), "nvmlInit_v2");
        try {
            return work.apply(nvml);
        } finally {
            nvml.nvmlShutdown();
        }
    }

    private List<GpuDevice> readDevices(NvmlLibrary lib) {
        IntByReference count = new IntByReference();
        check(lib.nvmlDeviceGetCount_v2(count), "nvmlDeviceGetCount_v2");
        List<GpuDevice> devices = new ArrayList<>();
        for (int index = 0; index < count.getValue(); index++) {
            PointerByReference ref = new PointerByReference();
            check(lib.nvmlDeviceGetHandleByIndex_v2(index, ref), "nvmlDeviceGetHandleByIndex_v2(" + index + ")");
            Pointer handle = ref.getValue();
            byte[] name = new byte[NvmlLibrary.NVML_DEVICE_NAME_BUFFER_SIZE];
            check(lib.nvmlDeviceGetName(handle, name, name.length), "nvmlDeviceGetName(" + index + ")");
            byte[] uuid = new byte[NvmlLibrary.NVML_DEVICE_UUID_BUFFER_SIZE];
            check(lib.nvmlDeviceGetUUID(handle, uuid, uuid.length), "nvmlDeviceGetUUID(" + index + ")");
            NvmlLibrary.Memory memory = new NvmlLibrary.Memory();
            check(lib.nvmlDeviceGetMemoryInfo(handle, memory), "nvmlDeviceGetMemoryInfo(" + index + ")");
            NvmlLibrary.PciInfo pci = new NvmlLibrary.PciInfo();
            String busId = optional(lib.nvmlDeviceGetPciInfo_v3(handle, pci), "nvmlDeviceGetPciInfo_v3(" + index + ")")
                    ? Native.toString(pci.busId) : null;
            NvmlLibrary.Utilization utilization = new NvmlLibrary.Utilization();
            Integer gpuUtilization = optional(lib.nvmlDeviceGetUtilizationRates(handle, utilization),
                    "nvmlDeviceGetUtilizationRates(" + index + ")") ? utilization.gpu : null;
            devices.add(new GpuDevice(index, Native.toString(uuid), busId, Native.toString(name), memory.total,
                    memory.used, gpuUtilization, computeProcesses(lib, handle, index)));
        }
        return devices;
    }

    /** NVML answers a count-only query with INSUFFICIENT_SIZE when there are processes, SUCCESS when none. */
    private Integer computeProcesses(NvmlLibrary lib, Pointer handle, int index) {
        IntByReference count = new IntByReference(0);
        int code = lib.nvmlDeviceGetComputeRunningProcesses_v3(handle, count, null);
        if (code == NvmlReturn.SUCCESS.code() || code == NvmlReturn.ERROR_INSUFFICIENT_SIZE.code()) {
            return count.getValue();
        }
        optional(code, "nvmlDeviceGetComputeRunningProcesses_v3(" + index + ")");
        return null;
    }

    /** True on success, false where the device does not support the call; throws on any other failure. */
    private boolean optional(int code, String call) {
        if (code == NvmlReturn.ERROR_NOT_SUPPORTED.code()) {
            return false;
        }
        check(code, call);
        return true;
    }

    private void check(int code, String call) {
        if (code != NvmlReturn.SUCCESS.code()) {
            throw new NvmlException(call, NvmlReturn.of(code), errorString(code));
        }
    }

    private String errorString(int code) {
        try {
            String message = nvml.nvmlErrorString(code);
            return message == null ? "no message" : message;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return "no message";
        }
    }
}
