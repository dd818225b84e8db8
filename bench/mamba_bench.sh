#!/usr/bin/env bash
# spindle vs the PyTorch references of bench/mamba_ref.py: Mamba (d_model 256, 4 layers, N 16) and
# Mamba2 (d_model 256, 4 layers, N 128, headdim 64, chunk 256), random weights, 2 threads, batch 1.
# Each run is its own process under /usr/bin/time -v (wall time and peak RSS). spindle's time is
# the whole `spindle model forward` process (load, forward, writing the hidden states). SPINDLE may
# instead be build-*/bench_core_model_forward (same work, core library only: a CUDA-enabled spindle
# spends seconds loading cuBLAS/cuFFT at start-up, so benchmark a build configured with
# -DCMAKE_CUDA_COMPILER="" or use this driver).
#   bench/mamba_bench.sh [SPINDLE] [LENGTHS] [SEQ_MAX] [M1_CHUNKED_MAX]
# LENGTHS defaults to "1000 16384 131072". The one-step-per-token PyTorch reference runs only up to
# SEQ_MAX tokens (default 1000: ~1 ms of Python per token and layer), and the Mamba1 chunked
# reference (a [d_inner, N, 64, 64] decay tensor per chunk) up to M1_CHUNKED_MAX (default 16384).
# A run that fails prints "<label> FAILED" and a line naming it on stderr (bench/peers.sh); the
# others go on and the script exits 1. The checkpoints and ids come from the PyTorch reference, so
# without torch it stops at once with that line.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
spindle=${1:-$repo/build/spindle}
lengths=${2:-"1000 16384 131072"}
seq_max=${3:-1000}
m1_chunked_max=${4:-16384}
py=/usr/bin/python3  # Debian's python3-torch
work=${BENCH_DIR:-$(mktemp -d)}
ref="$py $repo/bench/mamba_ref.py"
bench_name=mamba_bench
# shellcheck source=bench/peers.sh
source "$repo/bench/peers.sh"
for kind in mamba mamba2; do
  peer_run "PyTorch reference (bench/mamba_ref.py make-checkpoint --kind $kind)" "$work/make.txt" \
    $ref make-checkpoint "$work/$kind" --kind $kind || peers_finish
done

measure() {  # label, command...: prints "label wall_s=... peak_rss_mb=..." ("label FAILED" and returns 1)
  local label=$1 status=0
  shift
  /usr/bin/time -v "$@" > "$work/out.txt" 2> "$work/time.txt" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "$label FAILED"
    peer_failed "$label" "$status" "$work/time.txt"
    return 1
  fi
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$work/time.txt")
  echo "$label wall_s=$wall peak_rss_mb=$rss"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-default}"
for L in $lengths; do
  echo "# L=$L load average $(cut -d" " -f1 /proc/loadavg)"
  peer_run "PyTorch reference (bench/mamba_ref.py make-ids --length $L)" "$work/make.txt" \
    $ref make-ids "$work/ids$L.npy" --length "$L" || continue
  for kind in mamba mamba2; do
    spindle_ok=true
    if [[ $spindle == *bench_core_model_forward ]]; then
      measure "$kind L=$L spindle" "$spindle" "$work/$kind" "$work/ids$L.npy" "$work/h_spindle.npy" 2 || spindle_ok=false
    else
      measure "$kind L=$L spindle" "$spindle" model forward "$work/$kind" --ids "$work/ids$L.npy" \
        --hidden "$work/h_spindle.npy" -t 2 || spindle_ok=false
    fi
    grep -h "forward_s" "$work/time.txt" || true
    if [ "$L" -le "$seq_max" ]; then
      measure "$kind L=$L torch-seq" $ref forward "$work/$kind" --ids "$work/ids$L.npy" --scan seq --threads 2 || true
    fi
    if [ "$kind" = mamba ] && [ "$L" -gt "$m1_chunked_max" ]; then continue; fi
    measure "$kind L=$L torch-chunked" $ref forward "$work/$kind" --ids "$work/ids$L.npy" --scan chunked \
      --threads 2 --hidden "$work/h_chunked.npy" || continue
    $spindle_ok || continue
    peer_run "$kind L=$L hidden-state comparison" "$work/compare.txt" \
      $py - "$work/h_spindle.npy" "$work/h_chunked.npy" <<'PY' || true
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
print(f"  spindle vs torch-chunked hidden: max|diff| / max|ref| = {np.abs(a - b).max() / np.abs(b).max():.2e}")
PY
  done
done
peers_finish
