#!/usr/bin/env bash
# HyenaDNA forward, spindle vs the PyTorch reference (bench/hyenadna_ref.py), side by side on the
# same random-weight checkpoint and the same token ids. Needs Debian python3-torch + python3-numpy.
#   bench/hyenadna_bench.sh [threads] [lengths...]      (default: 2 threads, 16384 131072 1000000)
# Prints one row per length: wall time and peak RSS of each process, the ratios, and the max
# relative difference of the logits (agreement check). A run that fails shows "failed" in its
# columns and a line naming it on stderr (bench/peers.sh); the other runs go on and the script
# exits 1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
spindle="${SPINDLE:-$root/build/spindle}"
py=/usr/bin/python3
threads="${1:-2}"; shift || true
[ $# -gt 0 ] && lengths=("$@") || lengths=(16384 131072 1000000)
work="${BENCH_DIR:-$(mktemp -d)}"
model="$work/hyenadna_d128_l2_1m"
bench_name=hyenadna_bench
# shellcheck source=bench/peers.sh
source "$root/bench/peers.sh"
[ -d "$model" ] || peer_run "spindle model init-random" "$work/stderr.txt" \
  "$spindle" model init-random --d-model 128 --n-layer 2 --max-seq-len 1000002 --seed 0 -o "$model" || peers_finish

measure() {  # label command...: sets wall and kib (peak RSS), or a line naming label and returns 1
  local label=$1
  shift
  wall=failed kib=
  peer_run "$label" "$work/stderr.txt" /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > /dev/null || return 1
  read -r wall kib < "$work/time.txt"
}

printf "%-9s %10s %10s %10s %10s %8s %8s %10s\n" L spindle_s torch_s spindle_GiB torch_GiB speedup mem_ratio logits_rel
for L in "${lengths[@]}"; do
  peer_run "L=$L token ids (python3-numpy)" "$work/stderr.txt" \
    $py -c "import numpy as np; np.save('$work/ids.npy', np.random.default_rng(0).integers(7, 11, size=(1, $L)).astype(np.int64))" ||
    continue
  measure "L=$L spindle" "$spindle" model forward "$model" --ids "$work/ids.npy" --logits "$work/spindle.npy" -t "$threads" || true
  s_wall=$wall s_kib=$kib
  OMP_NUM_THREADS="$threads" measure "L=$L PyTorch reference (bench/hyenadna_ref.py)" $py "$root/bench/hyenadna_ref.py" \
    forward "$model" --ids "$work/ids.npy" --logits "$work/torch.npy" --threads "$threads" || true
  t_wall=$wall t_kib=$kib
  rel=failed
  if [ "$s_wall" != failed ] && [ "$t_wall" != failed ]; then
    rel=$($py -c "import numpy as np; a=np.load('$work/spindle.npy'); b=np.load('$work/torch.npy'); print('%.1e' % (abs(a-b).max()/abs(b).max()))")
  fi
  awk -v L="$L" -v s="$s_wall" -v t="$t_wall" -v sk="$s_kib" -v tk="$t_kib" -v rel="$rel" 'BEGIN {
    if (s == "failed" || t == "failed") {
      printf "%-9s %10s %10s %10s %10s %8s %8s %10s\n", L, s, t, sk == "" ? "-" : sprintf("%.2f", sk/1048576),
             tk == "" ? "-" : sprintf("%.2f", tk/1048576), "-", "-", rel
      exit
    }
    printf "%-9s %10.2f %10.2f %10.2f %10.2f %7.1fx %7.2fx %10s\n", L, s, t, sk/1048576, tk/1048576, t/s, sk/tk, rel }'
done
peers_finish
