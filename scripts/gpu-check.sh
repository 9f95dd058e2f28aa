#!/usr/bin/env bash
# One run on a machine with an NVIDIA GPU and driver prints what docs/nvml.md asks to compare:
#   1. the NVML library the dynamic loader finds and which of gpuqueue's entry points it exports;
#   2. nvidia-smi's view of the GPUs;
#   3. one CUDA process started on GPU 0 (chosen by UUID) and nvidia-smi's compute processes;
#   4. gpuqueue's inventory (the tests tagged "gpu"): the library it loaded, the entry points it
#      answers through, each GPU in nvidia-smi's columns plus the compute-process count, and the
#      init-once figures; then both inventories once more, side by side.
# Needs nvidia-smi, gcc (the CUDA process links the driver's libcuda.so.1; no CUDA toolkit) and
# Java 17. Where there is no NVIDIA driver the tests fail saying why NVML is not available.
set -uo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
cuda_pid=""
cleanup() {
  if [ -n "$cuda_pid" ]; then
    kill "$cuda_pid" 2>/dev/null
    wait "$cuda_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
section() { printf '\n== %s ==\n' "$*"; }
smi_gpus() {
  nvidia-smi --query-gpu=index,uuid,name,pci.bus_id,memory.total,memory.used,utilization.gpu,mig.mode.current \
    --format=csv
}
smi_apps() { nvidia-smi --query-compute-apps=gpu_uuid,pid,used_memory --format=csv; }

section "NVML library (dynamic loader)"
ldconfig -p 2>/dev/null | grep -F 'libnvidia-ml.so' || echo "(ldconfig knows no libnvidia-ml)"
lib=$(ldconfig -p 2>/dev/null | awk '$1 == "libnvidia-ml.so.1" { print $NF; exit }')
if [ -n "$lib" ]; then
  echo "libnvidia-ml.so.1 -> $(readlink -f "$lib")"
  section "gpuqueue's NVML entry points that $lib exports"
  if command -v nm >/dev/null; then
    nm -D --defined-only "$lib" | awk '{ print $NF }' | sed 's/@.*//' | sort -u | grep -E '^nvml(Init_v2|Shutdown|ErrorString|SystemGetDriverVersion|DeviceGetCount_v2|DeviceGetHandleByIndex_v2|DeviceGetName|DeviceGetUUID|DeviceGetPciInfo_v3|DeviceGetMemoryInfo(_v2)?|DeviceGetUtilizationRates|DeviceGetMigMode|DeviceGetComputeRunningProcesses(_v2|_v3)?)$'
  else
    echo "(nm not found: install binutils to list the symbols)"
  fi
fi

section "nvidia-smi"
nvidia-smi -L || echo "(nvidia-smi not found or failed)"
smi_gpus
nvidia-smi --query-gpu=index,persistence_mode,driver_version --format=csv # cold NVML init cost depends on persistence mode

section "one CUDA process on GPU 0"
uuid=$(nvidia-smi --query-gpu=uuid --format=csv,noheader -i 0 2>/dev/null | tr -d ' ')
cat > "$work/cuda_hold.c" <<'EOF'
/* Holds a CUDA context and 256 MiB on CUDA device 0 until killed; needs only the driver's libcuda. */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    void *cuda = dlopen("libcuda.so.1", RTLD_NOW);
    if (cuda == NULL) {
        printf("cannot load libcuda.so.1: %s\n", dlerror());
        return 1;
    }
    int (*cuInit)(unsigned int) = (int (*)(unsigned int)) dlsym(cuda, "cuInit");
    int (*cuDeviceGet)(int *, int) = (int (*)(int *, int)) dlsym(cuda, "cuDeviceGet");
    int (*cuDevicePrimaryCtxRetain)(void **, int) = (int (*)(void **, int)) dlsym(cuda, "cuDevicePrimaryCtxRetain");
    int (*cuCtxSetCurrent)(void *) = (int (*)(void *)) dlsym(cuda, "cuCtxSetCurrent");
    int (*cuMemAlloc)(unsigned long long *, size_t) = (int (*)(unsigned long long *, size_t)) dlsym(cuda, "cuMemAlloc_v2");
    if (!cuInit || !cuDeviceGet || !cuDevicePrimaryCtxRetain || !cuCtxSetCurrent || !cuMemAlloc) {
        printf("libcuda.so.1 lacks a CUDA driver API entry point\n");
        return 1;
    }
    int device, rc;
    void *context;
    unsigned long long memory;
    if ((rc = cuInit(0)) || (rc = cuDeviceGet(&device, 0)) || (rc = cuDevicePrimaryCtxRetain(&context, device))
            || (rc = cuCtxSetCurrent(context)) || (rc = cuMemAlloc(&memory, (size_t) 256 << 20))) {
        printf("CUDA driver call failed: CUresult %d\n", rc);
        return 1;
    }
    printf("ready: pid %d holds a CUDA context and 256 MiB on CUDA device 0\n", (int) getpid());
    fflush(stdout);
    for (;;) {
        pause();
    }
}
EOF
if [ -z "$uuid" ]; then
  echo "(no GPU 0 UUID from nvidia-smi: no CUDA process)"
elif ! gcc -O -Wall -o "$work/cuda_hold" "$work/cuda_hold.c" -ldl; then
  echo "(gcc failed: no CUDA process)"
else
  # As gpuqueue starts jobs with NVML: by UUID, whatever order CUDA enumerates the GPUs in.
  CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES="$uuid" "$work/cuda_hold" >"$work/cuda.out" 2>&1 &
  cuda_pid=$!
  for _ in $(seq 1 150); do
    grep -q '^ready' "$work/cuda.out" && break
    kill -0 "$cuda_pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "CUDA_VISIBLE_DEVICES=$uuid: $(cat "$work/cuda.out")"
  if grep -q '^ready' "$work/cuda.out"; then
    export GPU_CHECK_CUDA_UUID="$uuid" # NvmlRealGpuTest expects a compute process on this GPU
  else
    kill "$cuda_pid" 2>/dev/null
    cuda_pid=""
  fi
fi
smi_apps

section "gpuqueue's inventory (tests tagged gpu)"
./mvnw -B verify -pl gpu-nvml -am -Dstyle.color=never -DskipITs \
  -Dtest.excludedGroups= -Dgroups=gpu -Dsurefire.failIfNoSpecifiedTests=false -DtrimStackTrace=true \
  -Dsurefire.useFile=false 2>&1 | tee "$work/mvn.log"
status=${PIPESTATUS[0]}

section "side by side, the CUDA process still running"
smi_gpus
grep -E '^(gpuqueue NVML|index, uuid, name|[0-9]+, GPU-)' "$work/mvn.log" || echo "(gpuqueue printed no inventory)"
smi_apps
exit "$status"
