#!/usr/bin/env bash
# One benchmark run on a lent GPU machine (no Node there): kernel, copy floors, the previous kernel
# (--compare dist-run4, when that folder was carried), then the peers.
# Carry [".gpu", "dist", "dist-run4"] (see bench/NOTES.md) and run: bash bench/device-run.sh
# Figures go to $OUT (or ./bench-out).
set -u
source .gpu/setup.sh
out=${OUT:-bench-out}
mkdir -p "$out"
# The nvidia_icd.json on these machines names libGLX_nvidia.so.0, which fails to load; the EGL one works.
egl=/usr/local/nvidia/lib64/libEGL_nvidia.so.0
if [ -e "$egl" ]; then
  printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$egl" > /tmp/nvidia_egl_icd.json
  export VK_DRIVER_FILES=/tmp/nvidia_egl_icd.json
fi
# To try this script on a machine without a GPU: VK_ICD_OVERRIDE=/usr/lib/chromium/vk_swiftshader_icd.json
[ -n "${VK_ICD_OVERRIDE:-}" ] && export VK_DRIVER_FILES=$VK_ICD_OVERRIDE
nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
compare=()
[ -f dist-run4/index.js ] && compare=(--compare dist-run4)
timeout "${BENCH_SECONDS:-330}" node bench/gpu.mjs --no-cpu "${compare[@]}" --json "$out/gpu.json" > "$out/gpu.txt" 2>&1
echo "bench/gpu.mjs exit $?" >> "$out/gpu.txt"
timeout "${PEERS_SECONDS:-150}" python3 bench/peers.py --json "$out/peers.json" > "$out/peers.txt" 2>&1
echo "bench/peers.py exit $?" >> "$out/peers.txt"
tail -40 "$out/gpu.txt"
