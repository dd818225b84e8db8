#!/usr/bin/env bash
# Reference-size scaling benchmark for `spindle index ref` and `spindle align` (issue 14).
# References (bench/make_scale_reference.py, from the 70 Mb GRCh37 chrX piece of Debian's
# smalt-examples): 5M = first 5 Mb of chrX; 70M = chrX; 300M and 1G = chrX + diverged copies
# (2/5/10/20% substitutions + 0.1% indels, every other copy reverse-complemented).
# Reads: READS ART HiSeq 2500 150 bp (hs25) and READS mason 2% SNP + 0.2% indel 150 bp (mason)
# simulated from the 5 Mb prefix with fixed seeds, so their true place (contig X) is in every
# reference. For each reference: spindle index wall time, peak RSS, RSS and disk bytes per base;
# spindle align of both sets (wall, reads/s, peak RSS, accuracy at MAPQ >= 20). bwa index and
# bwa mem run on the BWA_SIZES references for comparison.
# Usage: bench/align_scale_bench.sh SPINDLE_BINARY [READS=20000] [THREADS=2] [WORKDIR=build/bench/scale]
# Environment: SIZES="5M 70M 300M 1G" (references to run spindle on), BWA_SIZES="5M 70M" (none: no runs),
#   SPINDLE_BINARY "none" runs bwa only; KEEP_INDEX=0 deletes each spindle index after use.
# Kept in WORKDIR: references, reads, bwa indexes (reused), times.tsv (every run appended; the
# tables use spindle's last entry and bwa's fastest, bwa's binary being fixed and the fastest run
# the least disturbed on a shared machine), logs: index.SIZE.spindle.log and SET.SIZE.spindle.log (spindle's
# stderr, including its "[spindle] search" / "[spindle] aligned" lines, echoed under the tables).
set -euo pipefail
spindle="$1"
[ "$spindle" = none ] || spindle="$(realpath "$spindle")"
reads="${2:-20000}"
threads="${3:-2}"
here="$(cd "$(dirname "$0")" && pwd)"
work="${4:-$here/../build/bench/scale}"
sizes="${SIZES:-5M 70M 300M 1G}"
bwa_sizes="${BWA_SIZES:-5M 70M}"
keep_index="${KEEP_INDEX:-1}"
[ "$sizes" != none ] || sizes=""  # SIZES=none BWA_SIZES=none: only print the tables
[ "$bwa_sizes" != none ] || bwa_sizes=""
chrx_gz="${CHRX_FA_GZ:-/usr/share/doc/smalt/test/data/hs37chrXtrunc.fa.gz}"
mkdir -p "$work"
cd "$work"

need=()
for tool in bwa:bwa art_illumina:art-nextgen-simulation-tools /usr/lib/seqan/bin/mason_simulator:seqan-apps \
            samtools:samtools "$chrx_gz":smalt-examples /usr/lib/python3/dist-packages/numpy:python3-numpy; do
  [ -e "${tool%%:*}" ] || command -v "${tool%%:*}" >/dev/null || need+=("${tool##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
py=python3
$py -c 'import numpy' 2>/dev/null || py=/usr/bin/python3

# ---- references and reads ----
for s in $(echo 5M $sizes $bwa_sizes | tr ' ' '\n' | awk '!seen[$0]++'); do
  [ -s "ref$s.fa" ] || $py "$here/make_scale_reference.py" "$chrx_gz" "$s" "ref$s.fa" 2>/dev/null
done
# ART drops reads that would cover an N (5.4% of chrX, 7.2% of its first 5 Mb): ask for more so that
# about READS come out
art_count() {  # reads -> ART -c for ref5M.fa
  local all n
  all=$(grep -v ">" ref5M.fa | tr -d "\n" | wc -c)
  n=$(grep -v ">" ref5M.fa | tr -cd "N" | wc -c)
  echo $(( ($1 * all + all - n - 1) / (all - n) ))
}
if [ ! -s hs25.fq ]; then
  art_illumina -ss HS25 -i ref5M.fa -l 150 -c "$(art_count "$reads")" -o hs25 -na -sam -rs 42 >/dev/null
fi
if [ ! -s mason.fq ]; then
  /usr/lib/seqan/bin/mason_variator -ir ref5M.fa -ov diverged.vcf --seed 42 --snp-rate 0.02 --small-indel-rate 0.002 \
    --min-small-indel-size 1 --max-small-indel-size 5 --sv-indel-rate 0 --sv-inversion-rate 0 \
    --sv-translocation-rate 0 --sv-duplication-rate 0 >/dev/null 2>&1
  /usr/lib/seqan/bin/mason_simulator -ir ref5M.fa -iv diverged.vcf -n "$reads" --seed 42 --illumina-read-length 150 \
    -o mason.fq -oa mason.sam >/dev/null 2>&1
fi

timed() {  # label cmd...: runs, appends "label<TAB>wall_s<TAB>user_s<TAB>sys_s<TAB>peak_kb"
  local label="$1"
  shift
  /usr/bin/time -f "$label	%e	%U	%S	%M" -a -o times.tsv "$@"
}
bases() { awk '{n += $2} END {print n}' "ref$1.fa.fai"; }
for s in $(echo $sizes $bwa_sizes | tr ' ' '\n' | sort -u); do
  [ -s "ref$s.fa.fai" ] || samtools faidx "ref$s.fa"
done

# ---- spindle ----
if [ "$spindle" != none ]; then
  for s in $sizes; do
    rm -rf "ref$s.spindle.idx"
    timed "index:$s:spindle:t$threads" "$spindle" index ref "ref$s.fa" -o "ref$s.spindle.idx" -t "$threads" 2> "index.$s.spindle.log"
    du -sb "ref$s.spindle.idx" | cut -f1 > "ref$s.spindle.idx.bytes"
    for set in hs25 mason; do
      timed "$set:$s:spindle:t$threads" "$spindle" align "ref$s.spindle.idx" "$set.fq" -o "$set.$s.spindle.bam" -t "$threads" \
        2> "$set.$s.spindle.log"
    done
    [ "$keep_index" = 1 ] || rm -rf "ref$s.spindle.idx"
  done
fi

# ---- bwa (index reused when present) ----
for s in $bwa_sizes; do
  if [ ! -s "ref$s.bwa.sa" ] || ! grep -qP "^index:$s:bwa\t" times.tsv 2>/dev/null; then
    timed "index:$s:bwa" bwa index -p "ref$s.bwa" "ref$s.fa" 2> "index.$s.bwa.log"
  fi
  cat "ref$s".bwa.{amb,ann,bwt,pac,sa} | wc -c > "ref$s.bwa.bytes"
  for set in hs25 mason; do
    timed "$set:$s:bwa:t$threads" sh -c "bwa mem -t $threads ref$s.bwa $set.fq 2> $set.$s.bwa.log | samtools view -b -o $set.$s.bwa.bam -"
  done
done

# ---- tables ----
last() {  # label: the times.tsv entry to report (spindle: last; bwa: fastest wall)
  case $1 in
    *spindle*) grep -P "^$1\t" times.tsv | tail -1 ;;
    *) grep -P "^$1\t" times.tsv | sort -t "$(printf '\t')" -k2,2g | head -1 ;;
  esac
}
cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "# align_scale_bench: $reads reads per set (from the first 5 Mb of chrX), $threads threads, $cpu, $(date -u +%F)"
echo -e "ref\tcontigs\tbases\tindexer\twall_s\tcpu_s\tpeak_rss_MB\trss_bytes_per_base\tdisk_MB\tdisk_bytes_per_base"
for s in 5M 70M 300M 1G; do
  for a in spindle bwa; do
    l="index:$s:$a"; [ $a != spindle ] || l="$l:t$threads"  # bwa index runs on one thread
    t=$(last "$l") || continue
    n=$(bases "$s")
    kb=$(echo "$t" | cut -f5)
    disk=$(cat "ref$s.$a"*.bytes 2>/dev/null | head -1)
    echo -e "$s\t$(wc -l < "ref$s.fa.fai")\t$n\t$a\t$(echo "$t" | cut -f2)\t$(echo "$t" | awk -F'\t' '{print $3+$4}')\t$((kb / 1024))\t$(awk -v k="$kb" -v n="$n" 'BEGIN{printf "%.2f", k*1024/n}')\t$(awk -v d="${disk:-0}" 'BEGIN{printf "%.0f", d/1048576}')\t$(awk -v d="${disk:-0}" -v n="$n" 'BEGIN{printf "%.2f", d/n}')"
  done
done
echo
echo -e "ref\tset\taligner\treads\tmapped%\tcorrect%\terr\tmapped%Q20\tcorrect%Q20\terrQ20\twall_s\tcpu_s\treads_per_s\treads_per_cpu_s\tself_reads_per_s\tpeak_rss_MB"
for s in 5M 70M 300M 1G; do
  for set in hs25 mason; do
    for a in spindle bwa; do
      [ -s "$set.$s.$a.bam" ] || continue
      t=$(last "$set:$s:$a:t$threads") || continue
      row=$($py "$here/score_alignments.py" "$set.sam" "$set.$s.$a.bam" "$a" | cut -f1-5,9-11)
      wall=$(echo "$t" | cut -f2); cpu_s=$(echo "$t" | awk -F'\t' '{print $3+$4}'); kb=$(echo "$t" | cut -f5)
      n=$(echo "$row" | cut -f2)
      self=$(grep -h '^\[spindle\] aligned' "$set.$s.$a.log" 2>/dev/null | tail -1 | sed -n 's/.* \([0-9.]*\) reads\/s.*/\1/p' || true)
      echo -e "$s\t$set\t$row\t$wall\t$cpu_s\t$(awk -v n="$n" -v w="$wall" 'BEGIN{printf "%.0f", n/w}')\t$(awk -v n="$n" -v c="$cpu_s" 'BEGIN{printf "%.0f", n/c}')\t${self:--}\t$((kb / 1024))"
    done
  done
done
for s in 5M 70M 300M 1G; do
  for set in hs25 mason; do
    [ -s "$set.$s.spindle.log" ] || continue
    grep -h -e '^\[spindle\] search' -e '^\[spindle\] aligned' "$set.$s.spindle.log" | sed "s/^/# $s $set: /" || true
  done
done
