#!/usr/bin/env bash
# Fits both MSA models on the five variant_effect proteins in ../shared and reports, per protein,
# Spearman of the Potts and independent-sites scores against log_fitness, the Potts fit time
# (from spindle's log), wall time, CPU time (user + sys) and peak RSS of the whole run (GNU time).
# Usage: bench/score_eval.sh [SPINDLE] [OUT_DIR] [PROTEIN...]
#   env: THREADS (2), MAX_ITER (1000: the five fits stop on the objective rule after 112-210), EXTRA (more score flags)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
spindle="${1:-$root/build/spindle}"
out="${2:-$root/build/score_eval}"
shift $(( $# > 2 ? 2 : $# )) || true
proteins=("$@")
[ ${#proteins[@]} -gt 0 ] || proteins=(BLAT_ECOLX KKA2_KLEPN POLG_HCVJF GAL4_YEAST YAP1_HUMAN)
threads="${THREADS:-2}"
max_iter="${MAX_ITER:-1000}"
data="${SPINDLE_SHARED:-$root/../shared}/data/variant_effect"
mkdir -p "$out"
declare -A published=([BLAT_ECOLX]=0.718 [KKA2_KLEPN]=0.604 [POLG_HCVJF]=0.587 [GAL4_YEAST]=0.553 [YAP1_HUMAN]=0.584)
printf "protein\tL\tN\tNeff\tpotts_spearman\tindependent_spearman\tevmutation_published\tpotts_fit_s\titerations\tstop\twall_s\tcpu_s\tpeak_rss_mib\n"
for p in "${proteins[@]}"; do
  dir="$data/$p"
  csv=$(ls "$dir"/*.data.csv | head -1)
  /usr/bin/time -f "%e %U %S %M" -o "$out/$p.time" "$spindle" score --wt "$dir/$p.wt.fasta" --msa "$dir/$p.a2m" \
    --mutations "$csv" --model all -o "$out/$p.scores.csv" --eval --score-col log_fitness \
    --max-iter "$max_iter" -t "$threads" --save-model "$out/$p.model" ${EXTRA:-} >"$out/$p.eval.tsv" 2>"$out/$p.log"
  potts=$(awk -F'\t' '$1=="potts"{print $3}' "$out/$p.eval.tsv")
  indep=$(awk -F'\t' '$1=="independent"{print $3}' "$out/$p.eval.tsv")
  read -r L N neff < <(sed -n 's/.*alignment: \([0-9]*\) sequences.* \([0-9]*\) model columns, Neff \([0-9.]*\).*/\2 \1 \3/p' "$out/$p.log")
  fit_line=$(grep -E "potts: [0-9]+ iterations" "$out/$p.log" | tail -1)
  iters=$(sed 's/.*potts: \([0-9]*\) iterations.*/\1/' <<<"$fit_line")
  stop=$(sed 's/.*unique sequences, \(.*\), [0-9.]* s$/\1/' <<<"$fit_line" | tr ' ' '_')
  fit_s=$(sed 's/.*, \([0-9.]*\) s$/\1/' <<<"$fit_line")
  read -r wall user sys rss_kb <"$out/$p.time"
  printf "%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%.0f\t%.0f\n" "$p" "$L" "$N" "$neff" "$potts" "$indep" \
    "${published[$p]:-}" "$fit_s" "$iters" "$stop" "$wall" "$(echo "$user + $sys" | bc)" "$((rss_kb / 1024))"
done
