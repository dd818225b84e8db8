#!/usr/bin/env bash
# ESM-2 forward, spindle vs the PyTorch reference (bench/esm2_ref.py), on a random
# esm2_t6_8M-shaped checkpoint (6 layers, D 320, 20 heads, FFN 1280) at batch 1 and 8 and token
# lengths 256 and 1024 (<cls> + 1022 residues + <eos>). Each configuration runs in its own process.
#   bench/esm2_bench.sh BUILD_DIR [THREADS] [REPS]
# A run that fails prints a line naming it on stderr (bench/peers.sh); the other runs go on and the
# script exits 1. Without torch the checkpoint comes from `spindle model init-random --arch esm2`
# (same shapes, other random weights) when BUILD_DIR has the spindle CLI, so spindle still runs.
set -euo pipefail
build=${1:?usage: esm2_bench.sh BUILD_DIR [THREADS] [REPS]}
threads=${2:-2}
reps=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
model=${ESM2_BENCH_MODEL:-$here/../build/bench/esm2_t6_random}
bench_name=esm2_bench
# shellcheck source=bench/peers.sh
source "$here/peers.sh"
log=$(mktemp)
if [ ! -f "$model/model.safetensors" ]; then
  peer_run "PyTorch reference (bench/esm2_ref.py make-checkpoint)" "$log" \
    /usr/bin/python3 "$here/esm2_ref.py" make-checkpoint "$model" ||
    { [ -x "$build/spindle" ] && peer_run "spindle model init-random --arch esm2" "$log" \
        "$build/spindle" model init-random --arch esm2 --d-model 320 --n-layer 6 -o "$model"; } || peers_finish
fi
for batch in 1 8; do
  for length in 256 1024; do
    peer_run "spindle B=$batch L=$length ($build/bench_core_esm2)" "$log" \
      "$build/bench_core_esm2" "$model" "$batch" "$length" "$threads" "$reps" || true
    OMP_NUM_THREADS=$threads peer_run "PyTorch reference B=$batch L=$length (bench/esm2_ref.py)" "$log" \
      /usr/bin/python3 "$here/esm2_ref.py" forward "$model" --batch "$batch" --length "$length" \
      --threads "$threads" --reps "$reps" || true
  done
done
rm -f "$log"
peers_finish
