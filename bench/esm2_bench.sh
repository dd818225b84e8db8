#!/usr/bin/env bash
# ESM-2 forward, spindle vs the PyTorch reference (bench/esm2_ref.py), on a random
# esm2_t6_8M-shaped checkpoint (6 layers, D 320, 20 heads, FFN 1280) at batch 1 and 8 and token
# lengths 256 and 1024 (<cls> + 1022 residues + <eos>). Each configuration runs in its own process.
#   bench/esm2_bench.sh BUILD_DIR [THREADS] [REPS]
set -euo pipefail
build=${1:?usage: esm2_bench.sh BUILD_DIR [THREADS] [REPS]}
threads=${2:-2}
reps=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
model=${ESM2_BENCH_MODEL:-$here/../build/bench/esm2_t6_random}
[ -f "$model/model.safetensors" ] || /usr/bin/python3 "$here/esm2_ref.py" make-checkpoint "$model"
for batch in 1 8; do
  for length in 256 1024; do
    "$build/bench_core_esm2" "$model" "$batch" "$length" "$threads" "$reps"
    OMP_NUM_THREADS=$threads /usr/bin/python3 "$here/esm2_ref.py" forward "$model" --batch "$batch" --length "$length" \
      --threads "$threads" --reps "$reps"
  done
done
