#!/usr/bin/env bash
# Long-read alignment benchmark (issue 18: "Long reads (ONT, PacBio): chained, split-aware alignment,
# never a confident wrong placement"): spindle vs minimap2 on reads simulated by pbsim 1.0.3 (Debian
# package pbsim) from a 20 Mb piece of human chrX (GRCh37 X:20,000,001-40,000,000 of
# build/bench/human/chrX.fa, contig renamed chrX_20M; 50,000 bp of it is N, the least of any 20 Mb
# window of that file), every output scored the same way (bench/score_long_reads.py: correct =
# primary on the true contig and strand, overlapping the true interval; also >= 50% reciprocal).
# Read sets (fixed seed 42; ~1,200 reads each):
#   clr       PacBio CLR: pbsim CLR model, mean length 5 kb, accuracy 0.88
#   hifi      HiFi-like: pbsim 1.0.3's CCS mode fixes accuracy at 0.98 (with a 0.75-1.0 spread), so
#             this is its CLR mode with the CCS quality model and CCS error mix (6:21:73), accuracy
#             0.99, mean length 9 kb. Real HiFi is ~99.9% accurate: this set is harder than HiFi
#   ontlike   ONT-like, ONLY AN APPROXIMATION: pbsim 1.0.3 has no nanopore model, so this is the CLR
#             model at accuracy 0.92 +- 0.03, the error mix PBSIM2 uses for ONT (39:24:36 sub:ins:del)
#             and a broad length profile (mean 7 kb, sd 6 kb, up to 50 kb); real ONT errors are
#             homopolymer-driven and not modelled
#   clrx      PacBio CLR as clr, ~2,000 reads from the whole 70 Mb chrX (contig X): Alu, L1,
#             segmental duplications and the pericentromere, where a wrong placement can happen
#   chimeric  150 reads, each two hifi reads from ~10 Mb apart joined (the first 300 hifi reads,
#             sorted by position, read i + read i+150): tests supplementary (split) alignments.
#             chimeric.truth.tsv has one row per part; chimeric_truth.tsv has the part boundaries
#   sirv      real ONT cDNA reads (seqkit-examples: pcs109_5k.fq.gz, 5,000 reads of SIRV spike-in
#             transcripts, PCS109 kit) against the 7 SIRV genome sequences shipped with them
#             (SIRV_150601a.fasta.gz). No simulated truth: the "truth" is the primary records of
#             the shipped pcs109_5k_spliced.bam (minimap2 2.17 -ax splice -k 14 on the same FASTA),
#             so its numbers are agreement with a spliced aligner, not correctness. Reads are spliced
#             (cDNA), which neither spindle nor minimap2 -x map-ont models: expect split records.
#             minimap2 -ax splice (aligner "minimap2-splice") is run as the reference point
# Usage: bench/long_read_bench.sh SPINDLE_BINARY [THREADS=2] [WORKDIR=build/bench/long]
# SPINDLE_BINARY may be "none" (minimap2 only). Environment:
#   ALIGNERS="spindle minimap2"   which aligners to run now (none: just print the tables)
#   SETS="clr clrx hifi ontlike chimeric sirv"   which read sets to align now
#   SPINDLE_INDEX_OPTS, SPINDLE_ALIGN_OPTS  extra options for `spindle index ref` / `spindle align`
#   CHRX_FA                       the chrX FASTA (default build/bench/human/chrX.fa, made by
#                                 bench/align_human_bench.sh; read only)
# spindle runs as `spindle align ref.spindle.idx SET.fq -x PRESET -o SET.spindle.bam -t THREADS`
# with PRESET map-pb (clr), map-hifi (hifi, chimeric), map-ont (ontlike, sirv); a failing spindle
# (e.g. one that does not know -x yet) is recorded (exit code in times.tsv and the table, stderr in
# SET.spindle.log) and the run goes on. minimap2 uses the same presets, one index per preset
# (ref.map-pb.mmi, ref.map-hifi.mmi, ref.map-ont.mmi; minimap2 >= 2.19 has map-hifi).
# Reads, truth and minimap2 indexes are kept in WORKDIR and reused (delete them to redo); the spindle
# index is rebuilt on every run that aligns with spindle. Every run is appended to WORKDIR/times.tsv
# (label, wall s, user s, sys s, peak RSS kB, exit code); the table reports spindle's last entry and
# minimap2's fastest (as bench/align_human_bench.sh).
# Prints the simulated read sets' statistics, a TSV (one row per read set and aligner), the index
# table, then MAPQ calibration tables (bench/score_long_reads.py --calibration) for every output on
# simulated reads.
set -euo pipefail
spindle="$1"
[ "$spindle" = none ] || spindle="$(realpath "$spindle")"
threads="${2:-2}"
here="$(cd "$(dirname "$0")" && pwd)"
work="${3:-$here/../build/bench/long}"
aligners="${ALIGNERS:-spindle minimap2}"
sets="${SETS:-clr clrx hifi ontlike chimeric sirv}"
chrx="$(realpath "${CHRX_FA:-$here/../build/bench/human/chrX.fa}")"
examples=/usr/share/doc/seqkit-examples/tests
models=/usr/share/pbsim/models
[ "$spindle" != none ] || aligners="${aligners//spindle/}"
[ "$aligners" != none ] || aligners=""
mkdir -p "$work"
cd "$work"
touch times.tsv

need=()
for tool in minimap2:minimap2 samtools:samtools pbsim:pbsim "$examples/pcs109_5k.fq.gz":seqkit-examples; do
  [ -e "${tool%%:*}" ] || command -v "${tool%%:*}" >/dev/null || need+=("${tool##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
py=python3
$py -c 'import sys' 2>/dev/null || py=/usr/bin/python3
truth="$py $here/pbsim_truth.py"

# ---- references ----
if [ ! -s ref.fa ]; then
  [ -s "$chrx" ] || { echo "no $chrx: run bench/align_human_bench.sh first (or set CHRX_FA)" >&2; exit 2; }
  samtools faidx "$chrx" X:20000001-40000000 | sed '1s/.*/>chrX_20M/' > ref.fa.tmp && mv ref.fa.tmp ref.fa
  samtools faidx ref.fa
fi
if [ ! -s chrx.fa ]; then  # the whole 70 Mb: Alu, L1, segmental duplications, the pericentromere
  sed '1s/.*/>X/' "$chrx" > chrx.fa.tmp && mv chrx.fa.tmp chrx.fa
  samtools faidx chrx.fa
fi
if [ ! -s sirv.fa ]; then
  zcat "$examples/SIRV_150601a.fasta.gz" > sirv.fa.tmp && mv sirv.fa.tmp sirv.fa
  samtools faidx sirv.fa
fi

reference() {  # the FASTA (without .fa) a set is simulated from and aligned to
  case $1 in
    sirv) echo sirv ;;
    clrx) echo chrx ;;
    *) echo ref ;;
  esac
}

# ---- read sets (pbsim, seed 42; reads = depth * 20 Mb / mean length) ----
simulate() {  # set pbsim-options...: SET.fq, SET.truth.tsv, a row in sim_stats.tsv
  local set="$1"
  shift
  [ -s "$set.fq" ] && return
  rm -rf "pbsim.$set" && mkdir "pbsim.$set"
  (cd "pbsim.$set" && pbsim --seed 42 --prefix "$set" "$@" "../$(reference "$set").fa" > pbsim.log 2>&1)
  sed -i "/^$set\t/d" sim_stats.tsv 2>/dev/null || true
  $truth maf "$set" "pbsim.$set/${set}_0001.maf" "pbsim.$set/${set}_0001.fastq" "$set.fq.tmp" "$set.truth.tsv" >> sim_stats.tsv
  mv "$set.fq.tmp" "$set.fq"
}
simulate clr --data-type CLR --model_qc "$models/model_qc_clr" --depth 0.3 --length-mean 5000 \
  --accuracy-mean 0.88
# clrx: CLR from the whole chrX (repeat-rich: the 20 Mb sets above are too easy to separate the
# aligners), ~2,000 reads.
simulate clrx --data-type CLR --model_qc "$models/model_qc_clr" --depth 0.15 --length-mean 5000 \
  --accuracy-mean 0.88
simulate hifi --data-type CLR --model_qc "$models/model_qc_ccs" --depth 0.54 --length-mean 9000 \
  --length-sd 2500 --length-max 25000 --accuracy-mean 0.99 --accuracy-sd 0.005 --accuracy-min 0.97 \
  --difference-ratio 6:21:73
simulate ontlike --data-type CLR --model_qc "$models/model_qc_clr" --depth 0.42 --length-mean 7000 \
  --length-sd 6000 --length-max 50000 --accuracy-mean 0.92 --accuracy-sd 0.03 --accuracy-min 0.80 \
  --difference-ratio 39:24:36
if [ ! -s chimeric.fq ]; then
  sed -i "/^chimeric\t/d" sim_stats.tsv 2>/dev/null || true
  $truth chimeras hifi.fq hifi.truth.tsv 300 chimeric.fq.tmp chimeric.truth.tsv chimeric_truth.tsv >> sim_stats.tsv
  mv chimeric.fq.tmp chimeric.fq
fi
if [ ! -s sirv.fq ]; then
  zcat "$examples/pcs109_5k.fq.gz" > sirv.fq.tmp && mv sirv.fq.tmp sirv.fq
  zcat "$examples/pcs109_5k_spliced.bam.gz" > sirv.splice217.bam
  $truth bam2tsv sirv.splice217.bam sirv.truth.tsv
  sed -i "/^sirv\t/d" sim_stats.tsv 2>/dev/null || true
  $truth stats sirv sirv.fq >> sim_stats.tsv
fi

preset() {
  case $1 in
    clr | clrx) echo map-pb ;;
    hifi | chimeric) echo map-hifi ;;
    ontlike | sirv) echo map-ont ;;
    *) echo "unknown set $1" >&2; exit 2 ;;
  esac
}

pick() {  # label: the times.tsv entry to report (spindle: last; others: fastest wall)
  case $1 in
    *spindle*) grep -P "^\Q$1\E\t" times.tsv | tail -1 ;;
    *) grep -P "^\Q$1\E\t" times.tsv | sort -t "$(printf '\t')" -k2,2g | head -1 ;;
  esac
}
timed() {  # label cmd...: runs, appends "label<TAB>wall_s<TAB>user_s<TAB>sys_s<TAB>peak_kb<TAB>rc"; returns rc
  local label="$1" rc=0
  shift
  /usr/bin/time -f "%e	%U	%S	%M" -o time.tmp "$@" || rc=$?
  echo -e "$label\t$(tail -n 1 time.tmp)\t$rc" >> times.tsv
  return $rc
}

# ---- indexes ----
if [[ " $aligners " == *" spindle "* ]]; then
  for r in $(for set in $sets; do reference "$set"; done | sort -u); do
    rm -rf "$r.spindle.idx"
    # shellcheck disable=SC2086
    timed "index:$r:spindle:t$threads" "$spindle" index ref "$r.fa" -o "$r.spindle.idx" -t "$threads" \
      ${SPINDLE_INDEX_OPTS:-} 2> "index.$r.spindle.log" || echo "spindle index ref $r.fa failed (index.$r.spindle.log)" >&2
  done
fi
if [[ " $aligners " == *" minimap2 "* ]]; then
  for set in $sets; do
    r=$(reference "$set"); p=$(preset "$set")
    [ -s "$r.$p.mmi" ] || timed "index:$r:minimap2:$p" minimap2 -x "$p" -t "$threads" -d "$r.$p.mmi" "$r.fa" 2> "index.$r.minimap2.$p.log"
  done
fi

# ---- alignments ----
for set in $sets; do
  r=$(reference "$set"); p=$(preset "$set")
  for aligner in $aligners; do
    case $aligner in
      spindle)
        rm -f "$set.spindle.bam"
        timed "$set:spindle:t$threads" sh -c "\"$spindle\" align $r.spindle.idx $set.fq -x $p -o $set.spindle.bam -t $threads ${SPINDLE_ALIGN_OPTS:-} 2> $set.spindle.log" ||
          { echo "spindle align failed on $set (exit $(tail -n 1 times.tsv | cut -f6); $set.spindle.log)" >&2; rm -f "$set.spindle.bam" "$set.spindle.bam.tmp."*; } ;;
      minimap2)
        timed "$set:minimap2:t$threads" bash -c "set -o pipefail; minimap2 -ax $p -t $threads $r.$p.mmi $set.fq 2> $set.minimap2.log | samtools view -b -o $set.minimap2.bam -"
        if [ "$set" = sirv ]; then  # the spliced reference point (its own index: -x splice uses k15 w5)
          timed "$set:minimap2-splice:t$threads" bash -c "set -o pipefail; minimap2 -ax splice -t $threads sirv.fa $set.fq 2> $set.minimap2-splice.log | samtools view -b -o $set.minimap2-splice.bam -"
        fi ;;
      *) echo "unknown aligner $aligner" >&2; exit 2 ;;
    esac
  done
done

# ---- tables ----
cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "# long_read_bench: chrX_20M (GRCh37 X:20,000,001-40,000,000) and SIRV (7 seqs, $(awk '{s+=$2} END{print s}' sirv.fa.fai) bp), $threads threads, $cpu, $(date -u +%F), $(minimap2 --version 2>&1 | sed 's/^/minimap2 /'), pbsim $(dpkg-query -W -f '${Version}' pbsim 2>/dev/null || echo '?')"
$truth header
cat sim_stats.tsv
echo
echo -e "set\taligner\tpreset\t$($py "$here/score_long_reads.py" --header | cut -f2-)\twall_s\tcpu_s\treads_per_s\tMbp_per_s\tpeak_rss_MB\trc"
for set in clr clrx hifi ontlike chimeric sirv; do
  [ -s "$set.fq" ] || continue
  bases=$(awk -v s="$set" '$1 == s {print $3}' sim_stats.tsv)
  for aligner in spindle minimap2 minimap2-splice; do
    t=$(pick "$set:$aligner:t$threads") || continue
    p=$(preset "$set"); [ "$aligner" != minimap2-splice ] || p=splice
    rc=$(echo "$t" | cut -f6)
    wall=$(echo "$t" | cut -f2); cpu_s=$(echo "$t" | awk -F'\t' '{print $3+$4}'); kb=$(echo "$t" | cut -f5)
    if [ "$rc" = 0 ] && [ -s "$set.$aligner.bam" ]; then
      row=$($py "$here/score_long_reads.py" "$set.truth.tsv" "$set.$aligner.bam" "$aligner" 2>/dev/null)
      n=$(echo "$row" | cut -f2)
      echo -e "$set\t$aligner\t$p\t$(echo "$row" | cut -f2-)\t$wall\t$cpu_s\t$(awk -v n="$n" -v w="$wall" 'BEGIN{printf "%.0f", n/w}')\t$(awk -v b="$bases" -v w="$wall" 'BEGIN{printf "%.2f", b/w/1e6}')\t$((kb / 1024))\t$rc"
    else
      echo -e "$set\t$aligner\t$p\tfailed (exit $rc, see $set.$aligner.log)\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t$wall\t$cpu_s\t\t\t$((kb / 1024))\t$rc"
    fi
  done
done
echo
echo -e "index\tpreset\twall_s\tcpu_s\tpeak_rss_MB\tsize\trc"
for r in ref sirv; do
  for a in spindle minimap2:map-pb minimap2:map-hifi minimap2:map-ont; do
    l="index:$r:${a%%:*}"; [ "${a%%:*}" != spindle ] || l="$l:t$threads"; [ "${a#*:}" = "$a" ] || l="$l:${a#*:}"
    t=$(pick "$l") || continue
    if [ "$a" = spindle ]; then size=$(du -sh "$r.spindle.idx" 2>/dev/null | cut -f1); else size=$(du -sh "$r.${a#*:}.mmi" | cut -f1); fi
    echo -e "$r:${a%%:*}\t$([ "$a" = spindle ] && echo - || echo "${a#*:}")\t$(echo "$t" | cut -f2)\t$(echo "$t" | awk -F'\t' '{print $3+$4}')\t$(( $(echo "$t" | cut -f5) / 1024 ))\t${size:--}\t$(echo "$t" | cut -f6)"
  done
done
for set in clr hifi ontlike chimeric sirv; do
  for aligner in spindle minimap2 minimap2-splice; do
    [ -s "$set.$aligner.bam" ] || continue
    t=$(pick "$set:$aligner:t$threads") || continue
    [ "$(echo "$t" | cut -f6)" = 0 ] || continue
    echo
    echo "# MAPQ calibration: $set $aligner$([ $set != sirv ] || echo ' (wrong = disagrees with minimap2 2.17 -ax splice)')"
    $py "$here/score_long_reads.py" --calibration "$set.truth.tsv" "$set.$aligner.bam" "$set.$aligner" 2>/dev/null
  done
done
for set in clr hifi ontlike chimeric sirv; do
  [ -s "$set.spindle.log" ] || continue
  grep -h '^\[spindle\] aligned' "$set.spindle.log" | tail -n 1 | sed "s/^/# $set: /" || true
done
