/*
 * A stand-in for libnvidia-ml.so.1, so the real JNA path can be tested on machines without a GPU.
 * Build with -DINIT_RESULT=9 for a driver that is not loaded, or -DINIT_RESULT=0 for two devices.
 */
#include <stdio.h>
#include <string.h>

typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct {
    char busIdLegacy[16];
    unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
    char busId[32];
} nvmlPciInfo_t;

static long index_of(void *device) { return (long) device - 1; }

int nvmlInit_v2(void) { return INIT_RESULT; }
int nvmlShutdown(void) { return 0; }
const char *nvmlErrorString(int result) {
    switch (result) {
        case 0: return "Success";
        case 9: return "Driver Not Loaded";
        default: return "Unknown Error";
    }
}
int nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    snprintf(version, length, "%s", "999.1.2-stub");
    return 0;
}
int nvmlDeviceGetCount_v2(unsigned int *count) { *count = 2; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned int index, void **device) { *device = (void *) (long) (index + 1); return 0; }
int nvmlDeviceGetName(void *device, char *name, unsigned int length) {
    snprintf(name, length, "Stub GPU %ld", index_of(device));
    return 0;
}
int nvmlDeviceGetUUID(void *device, char *uuid, unsigned int length) {
    snprintf(uuid, length, "GPU-stub-%ld", index_of(device));
    return 0;
}
int nvmlDeviceGetPciInfo_v3(void *device, nvmlPciInfo_t *pci) {
    memset(pci, 0, sizeof *pci);
    snprintf(pci->busId, sizeof pci->busId, "00000000:%02lX:00.0", index_of(device) + 7);
    return 0;
}
int nvmlDeviceGetMemoryInfo(void *device, nvmlMemory_t *memory) {
    memory->total = 80ULL << 30;
    memory->used = (unsigned long long) (index_of(device) + 1) << 30;
    memory->free = memory->total - memory->used;
    return 0;
}
int nvmlDeviceGetUtilizationRates(void *device, nvmlUtilization_t *utilization) {
    utilization->gpu = 40 + (unsigned int) index_of(device);
    utilization->memory = 7;
    return 0;
}
int nvmlDeviceGetComputeRunningProcesses_v3(void *device, unsigned int *count, void *infos) {
    (void) infos;
    if (index_of(device) == 1) { *count = 3; return 7; }
    *count = 0;
    return 0;
}
