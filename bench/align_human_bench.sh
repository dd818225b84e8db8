#!/usr/bin/env bash
# Human-scale read alignment benchmark (issue 14): spindle vs bwa mem and minimap2 -ax sr on reads
# simulated from a 70 Mb piece of human chrX (GRCh37, Debian's smalt-examples:
# /usr/share/doc/smalt/test/data/hs37chrXtrunc.fa.gz; 3.76 Mb of it is N), every output scored the
# same way (bench/score_alignments.py: correct = primary on the true contig and strand, leftmost
# within 20 bp). Read sets (fixed seeds):
#   hs25   ART HiSeq 2500 150 bp single-end
#   msv3   ART MiSeq v3 250 bp single-end
#   mason  mason 2% SNPs + 0.2% 1-5 bp indels, 150 bp (same options as bench/align_bench.sh)
#   pe     ART HiSeq 2500 2x150 bp paired-end, fragment 400 +- 50 (READS/2 pairs = READS reads)
# Usage: bench/align_human_bench.sh SPINDLE_BINARY [READS=100000] [THREADS=2] [WORKDIR=build/bench/human]
# SPINDLE_BINARY may be "none" (peers only). Environment:
#   ALIGNERS="spindle bwa minimap2"  which aligners to run now (none: just print the tables); the tables show every aligner whose
#                                    output is in WORKDIR. Times come from WORKDIR/times.tsv, where
#                                    every run is appended: spindle's last entry, and the peers'
#                                    fastest (their binaries do not change, and on a shared machine
#                                    the fastest run is the least disturbed one)
#   SETS="hs25 msv3 mason pe"        which read sets to align now
# Simulated reads and the bwa/minimap2 indexes are kept in WORKDIR and reused (delete them to
# redo); the spindle index is rebuilt on every run that aligns with spindle. spindle's stderr is
# kept in WORKDIR/SET.spindle.log and WORKDIR/index.spindle.log.
# Prints a TSV (one row per read set and aligner), the index table, then MAPQ calibration tables
# (bench/score_alignments.py --calibration) for spindle and bwa on every set.
set -euo pipefail
spindle="$1"
[ "$spindle" = none ] || spindle="$(realpath "$spindle")"
reads="${2:-100000}"
threads="${3:-2}"
here="$(cd "$(dirname "$0")" && pwd)"
work="${4:-$here/../build/bench/human}"
aligners="${ALIGNERS:-spindle bwa minimap2}"
sets="${SETS:-hs25 msv3 mason pe}"
chrx_gz="${CHRX_FA_GZ:-/usr/share/doc/smalt/test/data/hs37chrXtrunc.fa.gz}"
[ "$spindle" != none ] || aligners="${aligners//spindle/}"
[ "$aligners" != none ] || aligners=""  # ALIGNERS=none: only print the tables
mkdir -p "$work"
cd "$work"

need=()
for tool in bwa:bwa minimap2:minimap2 art_illumina:art-nextgen-simulation-tools \
            /usr/lib/seqan/bin/mason_simulator:seqan-apps samtools:samtools "$chrx_gz":smalt-examples; do
  [ -e "${tool%%:*}" ] || command -v "${tool%%:*}" >/dev/null || need+=("${tool##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

[ -s chrX.fa ] || { zcat "$chrx_gz" > chrX.fa.tmp && mv chrX.fa.tmp chrX.fa; }

# ---- read sets (fixed seeds); ART -c is reads (pairs) per sequence, and chrX.fa has one ----
# ART drops reads that would cover an N (5.4% of chrX, 7.2% of its first 5 Mb): ask for more so that
# about READS come out
art_count() {  # reads -> ART -c for chrX.fa
  local all n
  all=$(grep -v ">" chrX.fa | tr -d "\n" | wc -c)
  n=$(grep -v ">" chrX.fa | tr -cd "N" | wc -c)
  echo $(( ($1 * all + all - n - 1) / (all - n) ))
}
if [ ! -s hs25.fq ]; then
  art_illumina -ss HS25 -i chrX.fa -l 150 -c "$(art_count "$reads")" -o hs25 -na -sam -rs 42 >/dev/null
fi
if [ ! -s msv3.fq ]; then
  art_illumina -ss MSv3 -i chrX.fa -l 250 -c "$(art_count "$reads")" -o msv3 -na -sam -rs 42 >/dev/null
fi
if [ ! -s mason.fq ]; then
  /usr/lib/seqan/bin/mason_variator -ir chrX.fa -ov diverged.vcf --seed 42 --snp-rate 0.02 --small-indel-rate 0.002 \
    --min-small-indel-size 1 --max-small-indel-size 5 --sv-indel-rate 0 --sv-inversion-rate 0 \
    --sv-translocation-rate 0 --sv-duplication-rate 0 >/dev/null 2>&1
  /usr/lib/seqan/bin/mason_simulator -ir chrX.fa -iv diverged.vcf -n "$reads" --seed 42 --illumina-read-length 150 \
    -o mason.fq -oa mason.sam >/dev/null 2>&1
fi
if [ ! -s pe2.fq ]; then  # writes pe1.fq, pe2.fq and pe.sam (truth for both mates, flags 0x40/0x80)
  art_illumina -ss HS25 -i chrX.fa -p -l 150 -m 400 -s 50 -c "$(art_count $((reads / 2)))" -o pe -na -sam -rs 42 >/dev/null
fi
fastq() { if [ "$1" = pe ]; then echo "pe1.fq pe2.fq"; else echo "$1.fq"; fi; }

pick() {  # label: the times.tsv entry to report (spindle: last; peers: fastest wall)
  case $1 in
    *spindle*) grep -P "^$1\t" times.tsv | tail -1 ;;
    *) grep -P "^$1\t" times.tsv | sort -t "$(printf '\t')" -k2,2g | head -1 ;;
  esac
}
timed() {  # label cmd...: runs, appends "label<TAB>wall_s<TAB>user_s<TAB>sys_s<TAB>peak_kb"
  local label="$1"
  shift
  /usr/bin/time -f "$label	%e	%U	%S	%M" -a -o times.tsv "$@"
}

# ---- indexes ----
if [[ " $aligners " == *" spindle "* ]]; then
  rm -rf chrX.spindle.idx
  timed "index:spindle:t$threads" "$spindle" index ref chrX.fa -o chrX.spindle.idx -t "$threads" 2> index.spindle.log
fi
if [[ " $aligners " == *" bwa "* ]] && [ ! -s chrX.bwa.sa ]; then
  timed "index:bwa" bwa index -p chrX.bwa chrX.fa 2> index.bwa.log
fi
if [[ " $aligners " == *" minimap2 "* ]] && [ ! -s chrX.mmi ]; then
  timed "index:minimap2" minimap2 -x sr -d chrX.mmi chrX.fa 2> index.minimap2.log
fi

# ---- alignments ----
for set in $sets; do
  fq=$(fastq "$set")
  for aligner in $aligners; do
    case $aligner in
      spindle) timed "$set:spindle:t$threads" sh -c "\"$spindle\" align chrX.spindle.idx $fq -o $set.spindle.bam -t $threads 2> $set.spindle.log" ;;
      bwa) timed "$set:bwa:t$threads" sh -c "bwa mem -t $threads chrX.bwa $fq 2> $set.bwa.log | samtools view -b -o $set.bwa.bam -" ;;
      minimap2) timed "$set:minimap2:t$threads" sh -c "minimap2 -ax sr -t $threads chrX.mmi $fq 2> $set.minimap2.log | samtools view -b -o $set.minimap2.bam -" ;;
      *) echo "unknown aligner $aligner" >&2; exit 2 ;;
    esac
  done
done

py=python3
$py -c 'import numpy' 2>/dev/null || py=/usr/bin/python3
cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "# align_human_bench: chrX $(grep -v '>' chrX.fa | tr -d '\n' | wc -c) bp, $reads reads per set, $threads threads, $cpu, $(date -u +%F)"
echo -e "set\taligner\treads\tmapped%\tcorrect%\terr\tmapped%Q1\tcorrect%Q1\terrQ1\tmapped%Q20\tcorrect%Q20\terrQ20\twall_s\tcpu_s\treads_per_s\treads_per_cpu_s\tpeak_rss_MB"
for set in hs25 msv3 mason pe; do
  for aligner in spindle bwa minimap2; do
    [ -s "$set.$aligner.bam" ] || continue
    t=$(pick "$set:$aligner:t$threads") || continue
    row=$($py "$here/score_alignments.py" "$set.sam" "$set.$aligner.bam" "$aligner")
    wall=$(echo "$t" | cut -f2); cpu_s=$(echo "$t" | awk -F'\t' '{print $3+$4}'); kb=$(echo "$t" | cut -f5)
    n=$(echo "$row" | cut -f2)
    echo -e "$set\t$row\t$wall\t$cpu_s\t$(awk -v n="$n" -v w="$wall" 'BEGIN{printf "%.0f", n/w}')\t$(awk -v n="$n" -v c="$cpu_s" 'BEGIN{printf "%.0f", n/c}')\t$((kb / 1024))"
  done
done
echo
echo -e "index\twall_s\tcpu_s\tpeak_rss_MB\tsize"
for a in spindle bwa minimap2; do
  l="index:$a"; [ $a != spindle ] || l="$l:t$threads"  # bwa/minimap2 index on one thread
  t=$(pick "$l") || continue
  case $a in
    spindle) size=$(du -sh chrX.spindle.idx 2>/dev/null | cut -f1) ;;
    bwa) size=$(du -ch chrX.bwa.* | tail -1 | cut -f1) ;;
    minimap2) size=$(du -sh chrX.mmi | cut -f1) ;;
  esac
  echo -e "$a\t$(echo "$t" | cut -f2)\t$(echo "$t" | awk -F'\t' '{print $3+$4}')\t$(( $(echo "$t" | cut -f5) / 1024 ))\t$size"
done
for set in hs25 msv3 mason pe; do
  for aligner in spindle bwa; do
    [ -s "$set.$aligner.bam" ] || continue
    echo
    echo "# MAPQ calibration: $set $aligner"
    $py "$here/score_alignments.py" --calibration "$set.sam" "$set.$aligner.bam"
  done
done
for set in hs25 msv3 mason pe; do
  [ -s "$set.spindle.log" ] || continue
  grep -h '^\[spindle\] search' "$set.spindle.log" | sed "s/^/# $set: /" || true
  grep -h '^\[spindle\] aligned' "$set.spindle.log" | tail -n 1 | sed "s/^/# $set: /" || true
done
