package dev.gpuqueue.gpu;

import static dev.gpuqueue.gpu.NvmlLibrary.NVML_DEVICE_MIG_ENABLE;
import static dev.gpuqueue.gpu.NvmlLibrary.NVML_DEVICE_NAME_V2_BUFFER_SIZE;
import static dev.gpuqueue.gpu.NvmlLibrary.NVML_DEVICE_UUID_V2_BUFFER_SIZE;
import static dev.gpuqueue.gpu.NvmlLibrary.NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.port.GpuInventory;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * NVIDIA GPUs read through NVML. Opening calls {@code nvmlInit_v2} once and reads what does not
 * change (handle, UUID, name, PCI bus id); {@link #close()} calls {@code nvmlShutdown}. A device NVML
 * will not open (no permission, cgroups, lost) is left out with the reason; a figure NVML will not
 * give (not supported, or not permitted, as on a MIG-enabled GPU) is unknown; a GPU NVML reports
 * lost leaves the inventory. Thread-safe (queries are serialized).
 */
public final class NvmlGpuInventory implements GpuInventory, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NvmlGpuInventory.class.getName());
    private static final int SUCCESS = NvmlReturn.SUCCESS.code();

    /** A device as opened: what does not change while NVML is initialised. */
    private record Opened(int index, Pointer handle, String uuid, String name, String pciBusId) {}

    /** A device left out when the inventory opened, and why. */
    record Skipped(int index, NvmlReturn result, String reason) {}

    /** The outcome of trying NVML: an open inventory, or why there is none. Immutable. */
    public record Probe(NvmlGpuInventory inventory, String reason) {
        public boolean available() {
            return inventory != null;
        }
    }

    private final NvmlLibrary nvml;
    private final String library;
    private final NvmlQuery<NvmlLibrary.PciInfo> pciInfo;
    private final NvmlQuery<NvmlLibrary.Memory> memory;
    private final NvmlQuery<NvmlLibrary.Utilization> utilization;
    private final NvmlQuery<IntByReference> computeProcesses;
    private final NvmlQuery<IntByReference> migMode;
    private final List<Opened> opened = new ArrayList<>();
    private final List<Skipped> skipped = new ArrayList<>();
    private final String driverVersion;
    private final Set<Integer> lost = new HashSet<>();
    private final Set<String> reported = new HashSet<>();
    private volatile SortedSet<Integer> indices;
    private boolean closed;

    /** Reads the devices of an initialised NVML; throws when NVML cannot even count them. */
    private NvmlGpuInventory(NvmlLibrary nvml, String library) {
        this.nvml = nvml;
        this.library = library;
        pciInfo = NvmlQuery.first("nvmlDeviceGetPciInfo_v3", nvml::nvmlDeviceGetPciInfo_v3);
        memory = NvmlQuery.first("nvmlDeviceGetMemoryInfo_v2", this::memoryV2)
                .or("nvmlDeviceGetMemoryInfo", nvml::nvmlDeviceGetMemoryInfo);
        utilization = NvmlQuery.first("nvmlDeviceGetUtilizationRates", nvml::nvmlDeviceGetUtilizationRates);
        computeProcesses = NvmlQuery.<IntByReference>first("nvmlDeviceGetComputeRunningProcesses_v3",
                        (device, count) -> nvml.nvmlDeviceGetComputeRunningProcesses_v3(device, count, null))
                .or("nvmlDeviceGetComputeRunningProcesses_v2",
                        (device, count) -> nvml.nvmlDeviceGetComputeRunningProcesses_v2(device, count, null))
                .or("nvmlDeviceGetComputeRunningProcesses",
                        (device, count) -> nvml.nvmlDeviceGetComputeRunningProcesses(device, count, null));
        migMode = NvmlQuery.first("nvmlDeviceGetMigMode",
                (device, current) -> nvml.nvmlDeviceGetMigMode(device, current, new IntByReference()));

        IntByReference count = new IntByReference();
        check(nvml.nvmlDeviceGetCount_v2(count), "nvmlDeviceGetCount_v2");
        for (int index = 0; index < count.getValue(); index++) {
            try {
                opened.add(open(index));
            } catch (NvmlException e) {
                skipped.add(new Skipped(index, e.result(), e.getMessage()));
                LOG.log(Level.WARNING, "GPU {0} left out of the inventory: {1}", index, e.getMessage());
            }
        }
        byte[] version = new byte[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE];
        driverVersion = nvml.nvmlSystemGetDriverVersion(version, version.length) == SUCCESS
                ? Native.toString(version) : null;
        indices = openAndNotLost();
        devices(); // a first snapshot picks the entry points and finds GPUs that are already lost
    }

    /** Tries the system's NVML: loads the library, initialises it and opens the devices. */
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
        return open(availability.library(), availability.path());
    }

    static Probe probe(NvmlLibrary nvml) {
        return open(nvml, null);
    }

    /** Initialises NVML and opens the inventory; on any failure, NVML is shut down again and the reason kept. */
    private static Probe open(NvmlLibrary nvml, String library) {
        boolean initialised = false;
        try {
            int init = nvml.nvmlInit_v2();
            if (init != SUCCESS) {
                throw failure(nvml, init, "nvmlInit_v2");
            }
            initialised = true;
            return new Probe(new NvmlGpuInventory(nvml, library), null);
        } catch (NvmlException e) {
            shutDown(nvml, initialised);
            return new Probe(null, "not available: " + e.getMessage());
        } catch (LinkageError e) {
            shutDown(nvml, initialised);
            return new Probe(null, "not available: " + e.getClass().getSimpleName() + ": "
                    + NvmlLoader.oneLine(e.getMessage()));
        }
    }

    private static void shutDown(NvmlLibrary nvml, boolean initialised) {
        if (initialised) {
            NvmlQuery.invoke(nvml::nvmlShutdown);
        }
    }

    /** A current snapshot of the devices that are not lost. */
    @Override
    public synchronized List<GpuDevice> devices() {
        if (closed) {
            throw new NvmlException("devices", NvmlReturn.ERROR_UNINITIALIZED, "the NVML inventory is closed");
        }
        List<GpuDevice> devices = new ArrayList<>();
        for (Opened device : opened) {
            if (lost.contains(device.index())) {
                continue;
            }
            try {
                devices.add(read(device));
            } catch (NvmlException e) {
                lost.add(device.index());
                indices = openAndNotLost();
                LOG.log(Level.WARNING, "GPU {0} ({1}) left the inventory until NVML is opened again: {2}",
                        device.index(), device.uuid(), e.getMessage());
            }
        }
        return devices;
    }

    /** The GPUs opened and not lost since; read at open, shrinks when NVML reports a GPU lost. */
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

    /** The file NVML was loaded from, or null where it is not known (a library given as an object). */
    public String library() {
        return library;
    }

    /** For each per-device query, the entry point this library answers through. */
    public synchronized Map<String, String> entryPoints() {
        Map<String, String> symbols = new LinkedHashMap<>();
        symbols.put("pci", pciInfo.symbol());
        symbols.put("memory", memory.symbol());
        symbols.put("utilization", utilization.symbol());
        symbols.put("compute processes", computeProcesses.symbol());
        symbols.put("MIG mode", migMode.symbol());
        return symbols;
    }

    /** The devices left out at open, and why. */
    List<Skipped> skipped() {
        return List.copyOf(skipped);
    }

    /** Shuts NVML down; later queries fail with {@code ERROR_UNINITIALIZED}. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        int code = NvmlQuery.invoke(nvml::nvmlShutdown);
        if (code != SUCCESS) {
            LOG.log(Level.WARNING, "nvmlShutdown failed: {0}", NvmlReturn.of(code).nvmlName());
        }
    }

    private Opened open(int index) {
        PointerByReference ref = new PointerByReference();
        check(nvml.nvmlDeviceGetHandleByIndex_v2(index, ref), "nvmlDeviceGetHandleByIndex_v2(" + index + ")");
        Pointer handle = ref.getValue();
        byte[] uuid = new byte[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
        check(nvml.nvmlDeviceGetUUID(handle, uuid, uuid.length), "nvmlDeviceGetUUID(" + index + ")");
        byte[] name = new byte[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
        check(nvml.nvmlDeviceGetName(handle, name, name.length), "nvmlDeviceGetName(" + index + ")");
        NvmlLibrary.PciInfo pci = new NvmlLibrary.PciInfo();
        String busId = pciInfo.call(handle, pci) == SUCCESS ? Native.toString(pci.busId) : null;
        return new Opened(index, handle, Native.toString(uuid), Native.toString(name), busId);
    }

    private GpuDevice read(Opened device) {
        NvmlLibrary.Memory bytes = new NvmlLibrary.Memory();
        boolean memoryKnown = ask(device, memory, bytes) == SUCCESS;
        NvmlLibrary.Utilization rates = new NvmlLibrary.Utilization();
        Integer gpuUtilization = ask(device, utilization, rates) == SUCCESS ? rates.gpu : null;
        IntByReference processes = new IntByReference(0);
        int processesCode = ask(device, computeProcesses, processes);
        IntByReference mig = new IntByReference();
        int migCode = ask(device, migMode, mig);
        return new GpuDevice(device.index(), device.uuid(), device.pciBusId(), device.name(),
                memoryKnown ? bytes.total : 0, memoryKnown ? bytes.used : 0, gpuUtilization,
                processesCode == SUCCESS || processesCode == NvmlReturn.ERROR_INSUFFICIENT_SIZE.code()
                        ? processes.getValue() : null,
                migEnabled(migCode, mig.getValue()));
    }

    /** On when NVML says so, off on a GPU without MIG (NOT_SUPPORTED), unknown otherwise. */
    private static Boolean migEnabled(int code, int currentMode) {
        if (code == SUCCESS) {
            return currentMode == NVML_DEVICE_MIG_ENABLE;
        }
        return code == NvmlReturn.ERROR_NOT_SUPPORTED.code() ? Boolean.FALSE : null;
    }

    /**
     * Asks one device. A lost GPU throws; any other failure is the caller's unknown figure, logged
     * once per device, query and code (NOT_SUPPORTED is an answer, not a failure).
     */
    private <T> int ask(Opened device, NvmlQuery<T> query, T out) {
        int code = query.call(device.handle(), out);
        NvmlReturn result = NvmlReturn.of(code);
        switch (result) {
            case SUCCESS, ERROR_NOT_SUPPORTED, ERROR_INSUFFICIENT_SIZE -> { }
            case ERROR_GPU_IS_LOST -> throw failure(nvml, code, query.symbol() + "(" + device.index() + ")");
            default -> {
                if (reported.add(device.index() + " " + query.symbol() + " " + code)) {
                    LOG.log(Level.WARNING, "GPU {0}: {1}; reported as unknown", device.index(),
                            failure(nvml, code, query.symbol()).getMessage());
                }
            }
        }
        return code;
    }

    /** Copies {@code nvmlMemory_v2_t} into the v1 figures, which the two versions share. */
    private int memoryV2(Pointer device, NvmlLibrary.Memory out) {
        NvmlLibrary.MemoryV2 v2 = new NvmlLibrary.MemoryV2();
        int code = nvml.nvmlDeviceGetMemoryInfo_v2(device, v2);
        out.total = v2.total;
        out.free = v2.free;
        out.used = v2.used;
        return code;
    }

    private void check(int code, String call) {
        if (code != SUCCESS) {
            throw failure(nvml, code, call);
        }
    }

    private static NvmlException failure(NvmlLibrary nvml, int code, String call) {
        return new NvmlException(call, NvmlReturn.of(code), errorString(nvml, code));
    }

    private static String errorString(NvmlLibrary nvml, int code) {
        try {
            String message = nvml.nvmlErrorString(code);
            return message == null ? "no message" : message;
        } catch (RuntimeException | LinkageError e) {
            return "no message";
        }
    }

    private SortedSet<Integer> openAndNotLost() {
        SortedSet<Integer> found = new TreeSet<>();
        opened.forEach(d -> found.add(d.index()));
        found.removeAll(lost);
        return Collections.unmodifiableSortedSet(found);
    }
}
