#!/usr/bin/env bash
# CPU before/after of the model forwards (issue 15 item 7): two builds of bench_core_model_forward,
# run alternately on the same inputs (HyenaDNA d128 x 2 layers at 16k, 131k and 1M tokens; Mamba and
# Mamba2 d256 x 4 layers at 16k), median forward seconds and peak RSS of each. Also checks that the
# two builds' hidden states are identical.
#   bench/cpu_before_after.sh OLD/bench_core_model_forward NEW/bench_core_model_forward [runs] [threads]
# Needs build/spindle (for `model init-random`) and python3 (standard library only).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
old=$1 new=$2 runs=${3:-3} threads=${4:-2}
spindle=${SPINDLE:-$root/build/spindle}
work=${BENCH_DIR:-$(mktemp -d)}
export OMP_WAIT_POLICY=passive
echo "# $(date -u +%F) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $threads threads, $runs runs"
[ -d "$work/hyena" ] || "$spindle" model init-random --d-model 128 --n-layer 2 --max-seq-len 1000002 --seed 0 -o "$work/hyena" 2> /dev/null
for kind in mamba mamba2; do [ -d "$work/$kind" ] || python3 "$root/bench/make_mamba_checkpoint.py" "$kind" "$work/$kind"; done

one_run() {  # binary model ids out -> "forward_s rss_kib"
  /usr/bin/time -f "%M" -o "$work/rss.txt" "$1" "$2" "$3" "$4" "$threads" 2> "$work/err.txt" || { cat "$work/err.txt" >&2; return 1; }
  echo "$(grep -o 'forward_s=[0-9.]*' "$work/err.txt" | cut -d= -f2) $(tail -1 "$work/rss.txt")"
}
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

printf "%-8s %8s %8s %8s %8s %8s %8s\n" model tokens old_s new_s new/old old_MiB new_MiB
for case in "hyena 16384" "hyena 131072" "hyena 1000000" "mamba 16384" "mamba2 16384"; do
  set -- $case
  model=$1 L=$2 n=$runs
  [ "$L" -ge 1000000 ] && n=$(( runs > 2 ? 2 : runs ))
  [ -f "$work/ids$L.npy" ] || python3 "$root/bench/make_mamba_checkpoint.py" ids "$work/ids$L.npy" "$L"
  : > "$work/old.txt"; : > "$work/new.txt"
  for _ in $(seq "$n"); do
    one_run "$old" "$work/$model" "$work/ids$L.npy" "$work/old.npy" >> "$work/old.txt"
    one_run "$new" "$work/$model" "$work/ids$L.npy" "$work/new.npy" >> "$work/new.txt"
  done
  cmp -s "$work/old.npy" "$work/new.npy" && same=identical || same=DIFFERENT
  os=$(cut -d' ' -f1 "$work/old.txt" | median) ns=$(cut -d' ' -f1 "$work/new.txt" | median)
  om=$(cut -d' ' -f2 "$work/old.txt" | median) nm=$(cut -d' ' -f2 "$work/new.txt" | median)
  awk -v m="$model" -v L="$L" -v os="$os" -v ns="$ns" -v om="$om" -v nm="$nm" -v same="$same" \
    'BEGIN {printf "%-8s %8d %8.2f %8.2f %8.3f %8.0f %8.0f  hidden %s\n", m, L, os, ns, ns/os, om/1024, nm/1024, same}'
done
