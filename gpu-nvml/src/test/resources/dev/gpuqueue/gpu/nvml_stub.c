/*
 * A stand-in for libnvidia-ml.so.1 with two devices, so the real JNA path can be tested on machines
 * without a GPU. Like NVML, it counts nvmlInit_v2 references and refuses device calls while not
 * initialised. Build flags pick a variant:
 *   -DINIT_RESULT=9        nvmlInit_v2 answers DRIVER_NOT_LOADED (default 0: success)
 *   -DNO_PROCESSES_V3      no nvmlDeviceGetComputeRunningProcesses_v3 (drivers before the 11.6-era NVML)
 *   -DNO_PROCESSES_V2      no _v2 either; with NO_PROCESSES_V3 only the unversioned call is left
 *   -DNO_MEMORY_V2         no nvmlDeviceGetMemoryInfo_v2
 *   -DNO_COUNT_V2          no nvmlDeviceGetCount_v2, which the inventory cannot do without
 *   -DDENIED_DEVICE=1      nvmlDeviceGetHandleByIndex_v2(1) answers NO_PERMISSION
 *   -DMIG_DEVICE=0         device 0 has MIG on; its memory and process queries answer NO_PERMISSION
 *                          and its utilization NOT_SUPPORTED, as for an unprivileged caller
 *   -DDRIVER_VERSION='"x"' the driver version it reports (default "999.1.2-stub")
 * stub_inits() and stub_shutdowns() say how often NVML was initialised and shut down.
 */
#include <stdio.h>
#include <string.h>

#ifndef INIT_RESULT
#define INIT_RESULT 0
#endif
#ifndef DENIED_DEVICE
#define DENIED_DEVICE -1
#endif
#ifndef MIG_DEVICE
#define MIG_DEVICE -1
#endif
#ifndef DRIVER_VERSION
#define DRIVER_VERSION "999.1.2-stub"
#endif

enum {
    SUCCESS = 0, ERROR_UNINITIALIZED = 1, ERROR_INVALID_ARGUMENT = 2, ERROR_NOT_SUPPORTED = 3,
    ERROR_NO_PERMISSION = 4, ERROR_INSUFFICIENT_SIZE = 7, ERROR_ARGUMENT_VERSION_MISMATCH = 25
};

#define DEVICES 2
#define TOTAL (80ULL << 30)
#define RESERVED (512ULL << 20)

typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int version; unsigned long long total, reserved, free, used; } nvmlMemory_v2_t;
#define nvmlMemory_v2 ((unsigned int) (sizeof(nvmlMemory_v2_t) | (2U << 24)))
_Static_assert(nvmlMemory_v2 == 0x02000028, "nvmlMemory_v2");
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct {
    char busIdLegacy[16];
    unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
    char busId[32];
} nvmlPciInfo_t;

static int refs, inits, shutdowns;

int stub_inits(void) { return inits; }
int stub_shutdowns(void) { return shutdowns; }

/* The device's index, or -1 when NVML is not initialised (the caller answers UNINITIALIZED). */
static long index_of(void *device) { return refs == 0 ? -1 : (long) device - 1; }
/* What is allocated on a device, without the driver's reserved memory. */
static unsigned long long allocated(long index) { return (unsigned long long) (index + 1) << 30; }

int nvmlInit_v2(void) {
    inits++;
    if (INIT_RESULT != SUCCESS) return INIT_RESULT;
    refs++;
    return SUCCESS;
}
int nvmlShutdown(void) {
    shutdowns++;
    if (refs == 0) return ERROR_UNINITIALIZED;
    refs--;
    return SUCCESS;
}
const char *nvmlErrorString(int result) {
    switch (result) {
        case SUCCESS: return "Success";
        case ERROR_UNINITIALIZED: return "Uninitialized";
        case ERROR_NOT_SUPPORTED: return "Not Supported";
        case ERROR_NO_PERMISSION: return "Insufficient Permissions";
        case 9: return "Driver Not Loaded";
        default: return "Unknown Error";
    }
}
int nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    snprintf(version, length, "%s", DRIVER_VERSION);
    return SUCCESS;
}
#ifndef NO_COUNT_V2
int nvmlDeviceGetCount_v2(unsigned int *count) {
    if (refs == 0) return ERROR_UNINITIALIZED;
    *count = DEVICES;
    return SUCCESS;
}
#endif
int nvmlDeviceGetHandleByIndex_v2(unsigned int index, void **device) {
    if (refs == 0) return ERROR_UNINITIALIZED;
    if (index >= DEVICES) return ERROR_INVALID_ARGUMENT;
    if ((long) index == DENIED_DEVICE) return ERROR_NO_PERMISSION;
    *device = (void *) (long) (index + 1);
    return SUCCESS;
}
int nvmlDeviceGetName(void *device, char *name, unsigned int length) {
    long i = index_of(device);
    if (i < 0) return ERROR_UNINITIALIZED;
    snprintf(name, length, "Stub GPU %ld", i);
    return SUCCESS;
}
int nvmlDeviceGetUUID(void *device, char *uuid, unsigned int length) {
    long i = index_of(device);
    if (i < 0) return ERROR_UNINITIALIZED;
    snprintf(uuid, length, "GPU-stub-%ld", i);
    return SUCCESS;
}
int nvmlDeviceGetPciInfo_v3(void *device, nvmlPciInfo_t *pci) {
    long i = index_of(device);
    if (i < 0) return ERROR_UNINITIALIZED;
    memset(pci, 0, sizeof *pci);
    snprintf(pci->busId, sizeof pci->busId, "00000000:%02lX:00.0", i + 7);
    return SUCCESS;
}
#ifndef NO_MEMORY_V2
int nvmlDeviceGetMemoryInfo_v2(void *device, nvmlMemory_v2_t *memory) {
    long i = index_of(device);
    if (i < 0) return ERROR_UNINITIALIZED;
    if (memory->version != nvmlMemory_v2) return ERROR_ARGUMENT_VERSION_MISMATCH;
    if (i == MIG_DEVICE) return ERROR_NO_PERMISSION;
    memory->total = TOTAL;
    memory->reserved = RESERVED;
    memory->used = allocated(i);
    memory->free = TOTAL - RESERVED - memory->used;
    return SUCCESS;
}
#endif
int nvmlDeviceGetMemoryInfo(void *device, nvmlMemory_t *memory) {
    long i = index_of(device);
    if (i < 0) return ERROR_UNINITIALIZED;
    if (i == MIG_DEVICE) return ERROR_NO_PERMISSION;
    memory->total = TOTAL;
    memory->used = RESERVED + allocated(i);
    memory->free = TOTAL - memory->used;
    return SUCCESS;
}
int nvmlDeviceGetUtilizationRates(void *device, nvmlUtilization_t *utilization) {
    long i = index_of(device);
    if (i < 0) return ERROR_UNINITIALIZED;
    if (i == MIG_DEVICE) return ERROR_NOT_SUPPORTED;
    utilization->gpu = 40 + (unsigned int) i;
    utilization->memory = 7;
    return SUCCESS;
}
int nvmlDeviceGetMigMode(void *device, unsigned int *current, unsigned int *pending) {
    long i = index_of(device);
    if (i < 0) return ERROR_UNINITIALIZED;
    *current = *pending = i == MIG_DEVICE ? 1 : 0;
    return SUCCESS;
}

/* The count-only call: device 1 runs three processes. */
static int processes(void *device, unsigned int *count, void *infos) {
    long i = index_of(device);
    if (i < 0) return ERROR_UNINITIALIZED;
    if (i == MIG_DEVICE) return ERROR_NO_PERMISSION;
    if (infos != NULL) return ERROR_INVALID_ARGUMENT;
    *count = i == 1 ? 3 : 0;
    return *count == 0 ? SUCCESS : ERROR_INSUFFICIENT_SIZE;
}
#ifndef NO_PROCESSES_V3
int nvmlDeviceGetComputeRunningProcesses_v3(void *device, unsigned int *count, void *infos) {
    return processes(device, count, infos);
}
#endif
#ifndef NO_PROCESSES_V2
int nvmlDeviceGetComputeRunningProcesses_v2(void *device, unsigned int *count, void *infos) {
    return processes(device, count, infos);
}
#endif
int nvmlDeviceGetComputeRunningProcesses(void *device, unsigned int *count, void *infos) {
    return processes(device, count, infos);
}
