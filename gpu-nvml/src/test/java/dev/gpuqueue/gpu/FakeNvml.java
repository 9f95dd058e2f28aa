package dev.gpuqueue.gpu;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A hand-written NVML: scripted devices and failures, counting init and shutdown calls. Handles are
 * fake pointers (index + 1), valid only while initialised, like the real ones. Not thread-safe.
 */
final class FakeNvml implements NvmlLibrary {
    record Device(String name, String uuid, String busId, long total, long used, Integer utilization, Integer processes) {}

    final List<Device> devices = new ArrayList<>();
    final Map<String, NvmlReturn> failures = new HashMap<>();
    NvmlReturn initResult = NvmlReturn.SUCCESS;
    int inits;
    int shutdowns;
    private int depth;

    FakeNvml with(Device device) {
        devices.add(device);
        return this;
    }

    /** {@code call} (e.g. {@code nvmlDeviceGetName:1}) answers {@code result}. */
    FakeNvml failing(String call, NvmlReturn result) {
        failures.put(call, result);
        return this;
    }

    private int answer(String call, int index) {
        NvmlReturn failure = failures.getOrDefault(call + ":" + index, failures.get(call));
        return failure == null ? NvmlReturn.SUCCESS.code() : failure.code();
    }

    private int device(Pointer handle) {
        if (depth == 0) {
            throw new IllegalStateException("handle used outside nvmlInit_v2 ... nvmlShutdown");
        }
        return (int) Pointer.nativeValue(handle) - 1;
    }

    private static void copy(String text, byte[] buffer) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, buffer, 0, Math.min(bytes.length, buffer.length - 1));
    }

    @Override
    public int nvmlInit_v2() {
        inits++;
        if (initResult == NvmlReturn.SUCCESS) {
            depth++;
        }
        return initResult.code();
    }

    @Override
    public int nvmlShutdown() {
        shutdowns++;
        depth--;
        return 0;
    }

    @Override
    public String nvmlErrorString(int result) {
        return switch (NvmlReturn.of(result)) {
            case ERROR_DRIVER_NOT_LOADED -> "Driver Not Loaded";
            case ERROR_GPU_IS_LOST -> "GPU is lost";
            case ERROR_NOT_SUPPORTED -> "Not Supported";
            default -> "Unknown Error";
        };
    }

    @Override
    public int nvmlSystemGetDriverVersion(byte[] version, int length) {
        copy("550.54.15", version);
        return 0;
    }

    @Override
    public int nvmlDeviceGetCount_v2(IntByReference deviceCount) {
        deviceCount.setValue(devices.size());
        return answer("nvmlDeviceGetCount_v2", -1);
    }

    @Override
    public int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device) {
        device.setValue(new Pointer(index + 1));
        return answer("nvmlDeviceGetHandleByIndex_v2", index);
    }

    @Override
    public int nvmlDeviceGetName(Pointer device, byte[] name, int length) {
        int i = device(device);
        copy(devices.get(i).name(), name);
        return answer("nvmlDeviceGetName", i);
    }

    @Override
    public int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length) {
        int i = device(device);
        copy(devices.get(i).uuid(), uuid);
        return answer("nvmlDeviceGetUUID", i);
    }

    @Override
    public int nvmlDeviceGetPciInfo_v3(Pointer device, PciInfo pci) {
        int i = device(device);
        copy(devices.get(i).busId(), pci.busId);
        return answer("nvmlDeviceGetPciInfo_v3", i);
    }

    @Override
    public int nvmlDeviceGetMemoryInfo(Pointer device, Memory memory) {
        int i = device(device);
        memory.total = devices.get(i).total();
        memory.used = devices.get(i).used();
        memory.free = memory.total - memory.used;
        return answer("nvmlDeviceGetMemoryInfo", i);
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
    public int nvmlDeviceGetComputeRunningProcesses_v3(Pointer device, IntByReference count, Pointer infos) {
        int i = device(device);
        Integer processes = devices.get(i).processes();
        if (processes == null) {
            return NvmlReturn.ERROR_NOT_SUPPORTED.code();
        }
        count.setValue(processes);
        return processes == 0 ? NvmlReturn.SUCCESS.code() : NvmlReturn.ERROR_INSUFFICIENT_SIZE.code();
    }
}
