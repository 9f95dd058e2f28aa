package dev.gpuqueue.gpu;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The part of NVML ({@code libnvidia-ml}) the inventory uses, with the versioned entry points.
 * Device handles are only valid between {@code nvmlInit_v2} and {@code nvmlShutdown}.
 */
interface NvmlLibrary extends Library {
    int NVML_DEVICE_NAME_BUFFER_SIZE = 96;
    int NVML_DEVICE_UUID_BUFFER_SIZE = 80;
    int NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE = 80;

    int nvmlInit_v2();

    int nvmlShutdown();

    String nvmlErrorString(int result);

    int nvmlSystemGetDriverVersion(byte[] version, int length);

    int nvmlDeviceGetCount_v2(IntByReference deviceCount);

    int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

    int nvmlDeviceGetName(Pointer device, byte[] name, int length);

    int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length);

    int nvmlDeviceGetPciInfo_v3(Pointer device, PciInfo pci);

    int nvmlDeviceGetMemoryInfo(Pointer device, Memory memory);

    int nvmlDeviceGetUtilizationRates(Pointer device, Utilization utilization);

    /** With {@code infos} null and {@code count} 0, NVML answers INSUFFICIENT_SIZE and sets the count. */
    int nvmlDeviceGetComputeRunningProcesses_v3(Pointer device, IntByReference count, Pointer infos);

    /** {@code nvmlMemory_t}. */
    @Structure.FieldOrder({"total", "free", "used"})
    class Memory extends Structure {
        public long total;
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
