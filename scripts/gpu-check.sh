#!/usr/bin/env bash
# Runs the tests that need a real NVIDIA GPU (tag "gpu") and prints the inventory NVML reports.
# Use on a machine with an NVIDIA driver; elsewhere the test fails saying NVML is not available.
set -euo pipefail
cd "$(dirname "$0")/.."
nvidia-smi -L 2>/dev/null || echo "(nvidia-smi not found)"
./mvnw -B verify -pl gpu-nvml -am -Dstyle.color=never \
  -Dtest.excludedGroups= -Dgroups=gpu -Dsurefire.failIfNoSpecifiedTests=false -DtrimStackTrace=true \
  -Dsurefire.useFile=false
