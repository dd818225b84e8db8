#!/usr/bin/env bash
# bench/gpu.sh: the whole GPU check in one run (< 8 minutes on an H200 with 16 cores).
#   1. configure and build the core (kernels/ + models/, -DSPINDLE_CORE_ONLY=ON) with CUDA for the
#      visible GPU's architecture, against the Debian packages that bench/fetch_gpu_deps.sh unpacked
#      into build-deps/root (the GPU image has nvcc, CMake, ninja and PyTorch but no -dev packages);
#   2. run the kernel tests (every CUDA op against its CPU twin);
#   3. run bench_core_gpu (the table) and, when PyTorch is importable, its SDPA as the attention peer.
# Usage (from the repo root): bench/fetch_gpu_deps.sh   # once, on a machine with apt
#                             bench/gpu.sh [--quick]    # on the GPU machine; carry build-deps/root
#                                                       # and build-deps/shared (the goldens)
# Writes the log to $OUT/gpu_run.log when $OUT is set (the device runner's output folder).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
deps=$repo/build-deps/root/usr
build=${SPINDLE_GPU_BUILD:-$repo/build-gpu}  # override to rehearse in another build dir
log=${OUT:-$build}/gpu_run.log
mkdir -p "$(dirname "$log")" "$build"
exec > >(tee "$log") 2>&1
start=$SECONDS
stamp() { echo "== [$((SECONDS - start))s] $*"; }

if [[ ! -d $deps/include/oneapi ]]; then
  echo "bench/gpu.sh: $deps is missing: run bench/fetch_gpu_deps.sh on a Debian 12 machine first" >&2
  exit 1
fi
export PATH=/usr/local/cuda/bin:$PATH
export LD_LIBRARY_PATH=$deps/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
date -u
nvidia-smi --query-gpu=name,compute_cap,memory.total,clocks.max.sm --format=csv,noheader || true
nvcc --version | tail -1; cmake --version | head -1; ldd --version | head -1

# The multiarch paths are named explicitly too: on a non-Debian image CMake would not look in
# lib/x86_64-linux-gnu by itself.
# Only the visible GPU's architecture: one nvcc pass per .cu instead of two.
arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')
arch=${SPINDLE_CUDA_ARCH:-${arch:-90}}
generator=(); command -v ninja > /dev/null && generator=(-G Ninja)
pkgconfig=$(command -v pkg-config || echo "$deps/bin/pkg-config")

stamp "configure (CUDA arch $arch)"
cmake -S "$repo" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DSPINDLE_CORE_ONLY=ON \
  -DCMAKE_PREFIX_PATH="$deps" -DCMAKE_LIBRARY_PATH="$deps/lib/x86_64-linux-gnu" \
  -DGTest_DIR="$deps/lib/x86_64-linux-gnu/cmake/GTest" \
  -DCMAKE_CUDA_ARCHITECTURES="$arch" -DPKG_CONFIG_EXECUTABLE="$pkgconfig" \
  > "$build/configure.log" 2>&1 || { tail -30 "$build/configure.log"; exit 1; }
grep -E "CUDA backend" "$build/configure.log"

stamp "build test_kernels test_models bench_core_gpu"
timeout 330 cmake --build "$build" -j "$(nproc)" --target test_kernels test_models bench_core_gpu > "$build/build.log" 2>&1
rc=$?
grep -E "error|warning: " "$build/build.log" | head -40
if [[ $rc -ne 0 ]]; then tail -40 "$build/build.log"; stamp "build FAILED ($rc)"; exit 1; fi

stamp "kernel tests (CUDA twins vs CPU)"
timeout 120 "$build/test_kernels" --gtest_brief=1 2>&1 | tail -60
test_rc=${PIPESTATUS[0]}
stamp "kernel tests exit $test_rc"

# Whole models on the CUDA kernels: against the CPU on random weights (always), and against the
# float64 goldens when ../shared/golden was carried in as build-deps/shared/golden.
stamp "model tests on CUDA"
[[ -d "$repo/build-deps/shared/golden" ]] && export SPINDLE_SHARED="$repo/build-deps/shared"
timeout 120 "$build/test_models" --gtest_brief=1 --gtest_filter='*Cuda*:*OnCuda*' 2>&1 | tail -40
stamp "model tests exit ${PIPESTATUS[0]}"

stamp "bench_core_gpu ${1:-}"
timeout 180 "$build/bench_core_gpu" "${1:-}"
stamp "bench exit $?"

# The peer: PyTorch's fused SDPA on the same GPU (FlashAttention-2 kernels in bf16), same shape.
if python3 -c "import torch; assert torch.cuda.is_available()" 2> /dev/null; then
  stamp "PyTorch SDPA peer"
  timeout 90 python3 - "${1:-}" <<'PY'
import sys, time, torch
import torch.nn.functional as F
L = 4096 if "--quick" in sys.argv[1:] else 16384
print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}")
for dtype in (torch.bfloat16, torch.float32):
    for causal in (False, True):
        q, k, v = (torch.randn(1, 16, L, 128, device="cuda", dtype=dtype) for _ in range(3))
        F.scaled_dot_product_attention(q, k, v, is_causal=causal); torch.cuda.synchronize()
        best = 1e30
        for _ in range(3):
            t0 = time.perf_counter(); F.scaled_dot_product_attention(q, k, v, is_causal=causal)
            torch.cuda.synchronize(); best = min(best, time.perf_counter() - t0)
        flops = 4 * 16 * L * L * 128 * (0.5 if causal else 1.0)
        print(f"| torch SDPA {str(dtype)[6:]:8s} L={L} H=16 Dh=128 {'causal' if causal else 'full':6s} | {best*1e3:9.3f} ms | {flops/best*1e-12:7.1f} TFLOP/s |")
PY
fi
stamp "done (tests exit $test_rc)"
exit "$test_rc"
