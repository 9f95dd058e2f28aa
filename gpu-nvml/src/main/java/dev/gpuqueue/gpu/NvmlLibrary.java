package dev.gpuqueue.gpu;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The part of NVML ({@code libnvidia-ml}) the inventory uses. Where NVML has several versions of a
 * call, the newer ones come first; a driver may lack them (JNA then throws {@link LinkageError} on
 * the call), see {@link NvmlQuery}. Device handles are only valid between {@code nvmlInit_v2} and
 * {@code nvmlShutdown}.
 */
interface NvmlLibrary extends Library {
    int NVML_DEVICE_NAME_V2_BUFFER_SIZE = 96;
    int NVML_DEVICE_UUID_V2_BUFFER_SIZE = 96;
    int NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE = 80;
    /** {@code nvmlMemory_v2}: {@code sizeof(nvmlMemory_v2_t) | 2 << 24}. */
    int NVML_MEMORY_V2 = 0x02000028;
    int NVML_DEVICE_MIG_ENABLE = 1;

    int nvmlInit_v2();

    int nvmlShutdown();

    String nvmlErrorString(int result);

    int nvmlSystemGetDriverVersion(byte[] version, int length);

    int nvmlDeviceGetCount_v2(IntByReference deviceCount);

    int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

    int nvmlDeviceGetName(Pointer device, byte[] name, int length);

    int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length);

    int nvmlDeviceGetPciInfo_v3(Pointer device, PciInfo pci);

    /** Like {@code nvmlDeviceGetMemoryInfo}, with the driver's reserved memory apart; older drivers lack it. */
    int nvmlDeviceGetMemoryInfo_v2(Pointer device, MemoryV2 memory);

    int nvmlDeviceGetMemoryInfo(Pointer device, Memory memory);

    int nvmlDeviceGetUtilizationRates(Pointer device, Utilization utilization);

    /** NOT_SUPPORTED on GPUs without MIG; {@code currentMode} is {@link #NVML_DEVICE_MIG_ENABLE} when on. */
    int nvmlDeviceGetMigMode(Pointer device, IntByReference currentMode, IntByReference pendingMode);

    /**
     * With {@code infos} null and {@code count} 0, NVML answers INSUFFICIENT_SIZE and sets the count
     * (SUCCESS when there are none). The three versions differ only in the layout of {@code infos},
     * which a count-only call does not pass.
     */
    int nvmlDeviceGetComputeRunningProcesses_v3(Pointer device, IntByReference count, Pointer infos);

    int nvmlDeviceGetComputeRunningProcesses_v2(Pointer device, IntByReference count, Pointer infos);

    int nvmlDeviceGetComputeRunningProcesses(Pointer device, IntByReference count, Pointer infos);

    /** {@code nvmlMemory_t}. */
    @Structure.FieldOrder({"total", "free", "used"})
    class Memory extends Structure {
        public long total;
        public long free;
        public long used;
    }

    /** {@code nvmlMemory_v2_t}: 40 bytes, the version set to {@link #NVML_MEMORY_V2}. */
    @Structure.FieldOrder({"version", "total", "reserved", "free", "used"})
    class MemoryV2 extends Structure {
        public int version = NVML_MEMORY_V2;
        public long total;
        public long reserved;
        public long free;
        public long used;
    }

    /** {@code nvmlUtilization_t}. */
    @Structure.FieldOrder({"gpu", "memory"})
    class Utilization extends Structure {
        public int gpu;
        public int memory;
    }

    /** {@code nvmlPciInfo_t} (v3 layout). */
    @Structure.FieldOrder({"busIdLegacy", "domain", "bus", "device", "pciDeviceId", "pciSubSystemId", "busId"})
    class PciInfo extends Structure {
        public byte[] busIdLegacy = new byte[16];
        public int domain;
        public int bus;
        public int device;
        public int pciDeviceId;
        public int pciSubSystemId;
        public byte[] busId = new byte[32];
    }
}
