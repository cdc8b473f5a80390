#!/usr/bin/env bash
# One benchmark run on a lent GPU machine (no Node there): the host path end to end first (ours with
# phases, the floors, the chunkBytes sweep, the previous build with --compare dist-before when carried;
# then the peers end to end, and the per-call latency), a 1080p frame drawn against a copy of it, then the
# kernel, copy floors and the peers' kernels.
# Carry [".gpu", "dist", "dist-before"] (see bench/NOTES.md) and run: bash bench/device-run.sh
# Figures go to $OUT (or ./bench-out). Each step has its own time limit (seconds, from the environment);
# STEPS picks steps (default: e2e peers-e2e latency dawn host bursts record frame half kernel views derivatives mapped peers; also peers-f16); KERNEL_SIZES
# limits the kernel's shapes (DERIVATIVES_SIZE the derivatives step's n of n², 4096 by default), KERNEL_COMPARE names builds (comma-separated) whose kernel the kernel step
# times beside this one's, HALF_COMPARE builds whose float16 variants the half step times, HALF_SIZES its shapes. Node runs with transparent huge
# pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), as numpy has them, so fresh outputs cost what they cost numpy.
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
steps=" ${STEPS:-e2e peers-e2e latency dawn host bursts record frame half kernel views derivatives mapped peers} "
want() { [[ "$steps" == *" $1 "* ]]; }
export GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.hugetlb=1}
compare=()
[ -f dist-before/index.js ] && compare=(--compare dist-before)
if want e2e; then
  timeout "${E2E_SECONDS:-150}" node bench/e2e.mjs --no-cpu --chunks 16,64,256 "${compare[@]}" --json "$out/e2e.json" > "$out/e2e.txt" 2>&1
  echo "bench/e2e.mjs exit $?" >> "$out/e2e.txt"
fi
if want peers-e2e; then
  timeout "${PEERS_E2E_SECONDS:-120}" python3 bench/peers.py --e2e --json "$out/peers-e2e.json" > "$out/peers-e2e.txt" 2>&1
  echo "bench/peers.py --e2e exit $?" >> "$out/peers-e2e.txt"
fi
if want latency; then
  timeout "${LATENCY_SECONDS:-40}" node bench/latency.mjs --engines node --json "$out/latency.json" > "$out/latency.txt" 2>&1
  echo "bench/latency.mjs exit $?" >> "$out/latency.txt"
fi
if want dawn; then
  # Each Dawn method a small sequential call makes, timed, beside the call and the library's own host CPU.
  timeout "${DAWN_SECONDS:-30}" node bench/dawn-calls.mjs > "$out/dawn.txt" 2>&1
  echo "bench/dawn-calls.mjs exit $?" >> "$out/dawn.txt"
fi
if want host; then
  # The library's own host CPU per small call (a null device), beside the previous build's when carried.
  dist=()
  [ -f dist-before/index.js ] && dist=(--dist dist-before)
  timeout "${HOST_SECONDS:-40}" node bench/host-overhead.mjs --processes 2 "${dist[@]}" > "$out/host.txt" 2>&1
  echo "bench/host-overhead.mjs exit $?" >> "$out/host.txt"
  # Fresh results' host CPU at several sizes, sequential and in bursts (a null device too).
  timeout "${FRESH_SECONDS:-25}" node bench/fresh-results.mjs --processes 2 "${dist[@]}" >> "$out/host.txt" 2>&1
  echo "bench/fresh-results.mjs exit $?" >> "$out/host.txt"
fi
if want bursts; then
  # Bursts of 1,000 concurrent small calls of each kind (batched or not): ms a burst, buffers and bind groups made a call.
  dist=()
  [ -f dist-before/index.js ] && dist=(--dist dist-before)
  timeout "${BURSTS_SECONDS:-20}" node bench/bursts.mjs --rounds 5 "${dist[@]}" > "$out/bursts.txt" 2>&1
  echo "bench/bursts.mjs exit $?" >> "$out/bursts.txt"
fi
if want record; then
  # Records of prepared kernels frame after frame through Dawn (bind groups kept), beside the previous build's when carried.
  dist=()
  [ -f dist-before/index.js ] && dist=(--dist dist-before)
  timeout "${RECORD_SECONDS:-20}" node bench/record-calls.mjs --processes 2 "${dist[@]}" > "$out/record.txt" 2>&1
  echo "bench/record-calls.mjs exit $?" >> "$out/record.txt"
fi
if want frame; then
  timeout "${FRAME_SECONDS:-20}" node bench/frame.mjs --engines node --size 1920x1080 --json "$out/frame.json" > "$out/frame.txt" 2>&1
  echo "bench/frame.mjs exit $?" >> "$out/frame.txt"
fi
if want half; then
  half=()
  [ -n "${HALF_COMPARE:-}" ] && half=(--compare "$HALF_COMPARE")
  timeout "${HALF_SECONDS:-60}" node bench/half.mjs --sizes "${HALF_SIZES:-2d:8192x8192,2d:4096x4096,3d:512x512x512}" "${half[@]}" --json "$out/half.json" > "$out/half.txt" 2>&1
  echo "bench/half.mjs exit $?" >> "$out/half.txt"
fi
if want kernel; then
  sizes=()
  [ -n "${KERNEL_SIZES:-}" ] && sizes=(--sizes "$KERNEL_SIZES")
  [ -n "${KERNEL_COMPARE:-}" ] && sizes+=(--compare "$KERNEL_COMPARE")
  timeout "${BENCH_SECONDS:-150}" node bench/gpu.mjs --no-cpu "${sizes[@]}" --json "$out/gpu.json" > "$out/gpu.txt" 2>&1
  echo "bench/gpu.mjs exit $?" >> "$out/gpu.txt"
fi
if want views; then
  timeout "${VIEWS_SECONDS:-60}" node bench/views.mjs --size 4096 --json "$out/views.json" > "$out/views.txt" 2>&1
  echo "bench/views.mjs exit $?" >> "$out/views.txt"
fi
if want derivatives; then
  timeout "${DERIVATIVES_SECONDS:-90}" node bench/derivatives.mjs --size "${DERIVATIVES_SIZE:-4096}" --json "$out/derivatives.json" > "$out/derivatives.txt" 2>&1
  echo "bench/derivatives.mjs exit $?" >> "$out/derivatives.txt"
fi
if want mapped; then
  timeout "${MAPPED_SECONDS:-30}" node bench/mapped-copy.mjs --mib 256 > "$out/mapped.txt" 2>&1
  echo "bench/mapped-copy.mjs exit $?" >> "$out/mapped.txt"
fi
if want peers-f16; then
  timeout 60 python3 bench/peers_float16.py > "$out/peers-f16.txt" 2>&1
  echo "bench/peers_float16.py exit $?" >> "$out/peers-f16.txt"
fi
if want peers; then
  timeout "${PEERS_SECONDS:-100}" python3 bench/peers.py --json "$out/peers.json" > "$out/peers.txt" 2>&1
  echo "bench/peers.py exit $?" >> "$out/peers.txt"
fi
cd "$out" && tail -n 25 $(ls *.txt | grep -v nvidia-smi)
