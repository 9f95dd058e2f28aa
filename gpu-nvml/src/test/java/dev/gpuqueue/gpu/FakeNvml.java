package dev.gpuqueue.gpu;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A hand-written NVML: scripted devices, failures and missing symbols, counting init and shutdown
 * calls. Handles are fake pointers (index + 1), valid only while initialised, like the real ones.
 * The v1 memory call reports "used" with {@link #RESERVED} bytes more than v2, as drivers do. Not
 * thread-safe.
 */
final class FakeNvml implements NvmlLibrary {
    static final long RESERVED = 512L << 20;

    /** {@code utilization} and {@code processes} null: NOT_SUPPORTED; {@code mig} null: no MIG support. */
    record Device(String name, String uuid, String busId, long total, long used, Integer utilization, Integer processes,
            Boolean mig) {
        Device(String name, String uuid, String busId, long total, long used, Integer utilization, Integer processes) {
            this(name, uuid, busId, total, used, utilization, processes, false);
        }
    }

    final List<Device> devices = new ArrayList<>();
    final Map<String, NvmlReturn> failures = new HashMap<>();
    final Set<String> missing = new HashSet<>();
    NvmlReturn initResult = NvmlReturn.SUCCESS;
    int inits;
    int shutdowns;
    private int depth;

    FakeNvml with(Device device) {
        devices.add(device);
        return this;
    }

    /** {@code call} (e.g. {@code nvmlDeviceGetName:1}, or {@code nvmlDeviceGetName} for every device) answers {@code result}. */
    FakeNvml failing(String call, NvmlReturn result) {
        failures.put(call, result);
        return this;
    }

    /** The library lacks {@code symbol}: calling it throws {@link UnsatisfiedLinkError}, as JNA does. */
    FakeNvml without(String... symbols) {
        missing.addAll(List.of(symbols));
        return this;
    }

    private void link(String symbol) {
        if (missing.contains(symbol)) {
            throw new UnsatisfiedLinkError("Error looking up function '" + symbol + "': undefined symbol: " + symbol);
        }
    }

    private int answer(String call, int index) {
        link(call);
        NvmlReturn failure = failures.getOrDefault(call + ":" + index, failures.get(call));
        return failure == null ? NvmlReturn.SUCCESS.code() : failure.code();
    }

    private int device(Pointer handle) {
        if (depth == 0) {
            throw new IllegalStateException("handle used outside nvmlInit_v2 ... nvmlShutdown");
        }
        return (int) Pointer.nativeValue(handle) - 1;
    }

    private static void copy(String text, byte[] buffer, int length) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, buffer, 0, Math.min(bytes.length, length - 1));
    }

    @Override
    public int nvmlInit_v2() {
        link("nvmlInit_v2");
        inits++;
        if (initResult == NvmlReturn.SUCCESS) {
            depth++;
        }
        return initResult.code();
    }

    @Override
    public int nvmlShutdown() {
        shutdowns++;
        if (depth == 0) {
            return NvmlReturn.ERROR_UNINITIALIZED.code();
        }
        depth--;
        return 0;
    }

    @Override
    public String nvmlErrorString(int result) {
        return switch (NvmlReturn.of(result)) {
            case ERROR_DRIVER_NOT_LOADED -> "Driver Not Loaded";
            case ERROR_GPU_IS_LOST -> "GPU is lost";
            case ERROR_NOT_SUPPORTED -> "Not Supported";
            case ERROR_NO_PERMISSION -> "Insufficient Permissions";
            default -> "Unknown Error";
        };
    }

    @Override
    public int nvmlSystemGetDriverVersion(byte[] version, int length) {
        copy("550.54.15", version, length);
        return 0;
    }

    @Override
    public int nvmlDeviceGetCount_v2(IntByReference deviceCount) {
        int code = answer("nvmlDeviceGetCount_v2", -1);
        deviceCount.setValue(devices.size());
        return code;
    }

    @Override
    public int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device) {
        device.setValue(new Pointer(index + 1));
        return answer("nvmlDeviceGetHandleByIndex_v2", index);
    }

    @Override
    public int nvmlDeviceGetName(Pointer device, byte[] name, int length) {
        int i = device(device);
        copy(devices.get(i).name(), name, length);
        return answer("nvmlDeviceGetName", i);
    }

    @Override
    public int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length) {
        int i = device(device);
        copy(devices.get(i).uuid(), uuid, length);
        return answer("nvmlDeviceGetUUID", i);
    }

    @Override
    public int nvmlDeviceGetPciInfo_v3(Pointer device, PciInfo pci) {
        int i = device(device);
        copy(devices.get(i).busId(), pci.busId, pci.busId.length);
        return answer("nvmlDeviceGetPciInfo_v3", i);
    }

    @Override
    public int nvmlDeviceGetMemoryInfo_v2(Pointer device, MemoryV2 memory) {
        int i = device(device);
        int code = answer("nvmlDeviceGetMemoryInfo_v2", i);
        if (memory.version != NVML_MEMORY_V2) {
            return NvmlReturn.ERROR_ARGUMENT_VERSION_MISMATCH.code();
        }
        memory.total = devices.get(i).total();
        memory.reserved = RESERVED;
        memory.used = devices.get(i).used();
        memory.free = memory.total - memory.reserved - memory.used;
        return code;
    }

    @Override
    public int nvmlDeviceGetMemoryInfo(Pointer device, Memory memory) {
        int i = device(device);
        int code = answer("nvmlDeviceGetMemoryInfo", i);
        memory.total = devices.get(i).total();
        memory.used = devices.get(i).used() + RESERVED;
        memory.free = memory.total - memory.used;
        return code;
    }

    @Override
    public int nvmlDeviceGetUtilizationRates(Pointer device, Utilization utilization) {
        int i = device(device);
        Integer gpu = devices.get(i).utilization();
        if (gpu == null) {
            return NvmlReturn.ERROR_NOT_SUPPORTED.code();
        }
        utilization.gpu = gpu;
        return answer("nvmlDeviceGetUtilizationRates", i);
    }

    @Override
    public int nvmlDeviceGetMigMode(Pointer device, IntByReference currentMode, IntByReference pendingMode) {
        int i = device(device);
        int code = answer("nvmlDeviceGetMigMode", i);
        Boolean mig = devices.get(i).mig();
        if (mig == null) {
            return NvmlReturn.ERROR_NOT_SUPPORTED.code();
        }
        currentMode.setValue(mig ? NVML_DEVICE_MIG_ENABLE : 0);
        pendingMode.setValue(currentMode.getValue());
        return code;
    }

    @Override
    public int nvmlDeviceGetComputeRunningProcesses_v3(Pointer device, IntByReference count, Pointer infos) {
        return processes("nvmlDeviceGetComputeRunningProcesses_v3", device, count);
    }

    @Override
    public int nvmlDeviceGetComputeRunningProcesses_v2(Pointer device, IntByReference count, Pointer infos) {
        return processes("nvmlDeviceGetComputeRunningProcesses_v2", device, count);
    }

    @Override
    public int nvmlDeviceGetComputeRunningProcesses(Pointer device, IntByReference count, Pointer infos) {
        return processes("nvmlDeviceGetComputeRunningProcesses", device, count);
    }

    private int processes(String symbol, Pointer device, IntByReference count) {
        int i = device(device);
        int code = answer(symbol, i);
        Integer processes = devices.get(i).processes();
        if (code != NvmlReturn.SUCCESS.code()) {
            return code;
        }
        if (processes == null) {
            return NvmlReturn.ERROR_NOT_SUPPORTED.code();
        }
        count.setValue(processes);
        return processes == 0 ? NvmlReturn.SUCCESS.code() : NvmlReturn.ERROR_INSUFFICIENT_SIZE.code();
    }
}
