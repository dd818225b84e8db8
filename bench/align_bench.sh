#!/usr/bin/env bash
# Side-by-side read alignment benchmark: spindle vs bwa mem, minimap2 -ax sr and bowtie2 on reads
# simulated from E. coli K-12 MG1655 with known truth, every output scored the same way
# (bench/score_alignments.py: correct = primary on the true contig and strand, leftmost within
# 20 bp). Read sets: ART HiSeq 2500 150 bp, ART MiSeq v3 250 bp, and mason (2% SNPs + 0.2%
# 1-5 bp indels, 150 bp).
# Usage: bench/align_bench.sh SPINDLE_BINARY [READS=20000] [THREADS=2] [WORKDIR=build/bench/align]
# Prints one TSV row per (read set, aligner); installs the Debian tools it needs when missing.
set -euo pipefail
spindle="$(realpath "$1")"
reads="${2:-20000}"
threads="${3:-2}"
here="$(cd "$(dirname "$0")" && pwd)"
work="${4:-$here/../build/bench/align}"  # simulated reads are kept there and reused
genome="${SPINDLE_SHARED:-$here/../../shared}/data/genomes/ecoli_K12_MG1655.fasta.gz"
mkdir -p "$work"
cd "$work"

need=()
for tool in bwa:bwa minimap2:minimap2 bowtie2:bowtie2 art_illumina:art-nextgen-simulation-tools \
            /usr/lib/seqan/bin/mason_simulator:seqan-apps samtools:samtools; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

[ -s ecoli.fa ] || zcat "$genome" > ecoli.fa
contig=$(head -1 ecoli.fa | cut -c2- | cut -d' ' -f1)

# ---- read sets (fixed seeds) ----
if [ ! -s hs25.fq ]; then
  len=$(grep -v '>' ecoli.fa | tr -d '\n' | wc -c)
  art_illumina -ss HS25 -i ecoli.fa -l 150 -c "$reads" -o hs25 -na -sam -rs 42 >/dev/null
  art_illumina -ss MSv3 -i ecoli.fa -l 250 -c "$reads" -o msv3 -na -sam -rs 42 >/dev/null
  /usr/lib/seqan/bin/mason_variator -ir ecoli.fa -ov diverged.vcf --seed 42 --snp-rate 0.02 --small-indel-rate 0.002 \
    --min-small-indel-size 1 --max-small-indel-size 5 --sv-indel-rate 0 --sv-inversion-rate 0 \
    --sv-translocation-rate 0 --sv-duplication-rate 0 >/dev/null 2>&1
  /usr/lib/seqan/bin/mason_simulator -ir ecoli.fa -iv diverged.vcf -n "$reads" --seed 42 --illumina-read-length 150 \
    -o mason.fq -oa mason.sam >/dev/null 2>&1
fi

timed() {  # label cmd...: runs, records "label<TAB>wall_s<TAB>cpu_s<TAB>peak_kb"
  local label="$1"
  shift
  /usr/bin/time -f "$label	%e	%U	%S	%M" -a -o times.tsv "$@"
}
rm -f times.tsv

# ---- indexes ----
timed index:spindle "$spindle" index ref ecoli.fa -o ecoli.spindle.idx -t "$threads" 2>/dev/null
timed index:bwa bwa index -p ecoli.bwa ecoli.fa 2>/dev/null
timed index:minimap2 minimap2 -x sr -d ecoli.mmi ecoli.fa 2>/dev/null
timed index:bowtie2 bowtie2-build --threads "$threads" ecoli.fa ecoli.bt2 >/dev/null 2>&1

for set in hs25 msv3 mason; do
  fq=$set.fq
  timed "$set:spindle" "$spindle" align ecoli.spindle.idx "$fq" -o "$set.spindle.bam" -t "$threads" 2>/dev/null
  timed "$set:bwa" sh -c "bwa mem -t $threads ecoli.bwa $fq 2>/dev/null | samtools view -b -o $set.bwa.bam -"
  timed "$set:minimap2" sh -c "minimap2 -ax sr -t $threads ecoli.mmi $fq 2>/dev/null | samtools view -b -o $set.minimap2.bam -"
  timed "$set:bowtie2" sh -c "bowtie2 -p $threads -x ecoli.bt2 -U $fq 2>/dev/null | samtools view -b -o $set.bowtie2.bam -"
done

echo -e "set\taligner\treads\tmapped%\tcorrect%\terr\tmapped%Q1\tcorrect%Q1\terrQ1\tmapped%Q20\tcorrect%Q20\terrQ20\twall_s\tcpu_s\treads_per_s\tpeak_rss_MB"
for set in hs25 msv3 mason; do
  for aligner in spindle bwa minimap2 bowtie2; do
    row=$(python3 "$here/score_alignments.py" "$set.sam" "$set.$aligner.bam" "$aligner")
    t=$(grep -P "^$set:$aligner\t" times.tsv | tail -1)
    wall=$(echo "$t" | cut -f2); cpu=$(echo "$t" | awk -F'\t' '{print $3+$4}'); kb=$(echo "$t" | cut -f5)
    n=$(echo "$row" | cut -f2)
    echo -e "$set\t$row\t$wall\t$cpu\t$(awk -v n="$n" -v w="$wall" 'BEGIN{printf "%.0f", n/w}')\t$((kb / 1024))"
  done
done
echo
echo -e "index\twall_s\tcpu_s\tpeak_rss_MB\tsize"
for a in spindle bwa minimap2 bowtie2; do
  t=$(grep -P "^index:$a\t" times.tsv | tail -1)
  case $a in
    spindle) size=$(du -sh ecoli.spindle.idx | cut -f1) ;;
    bwa) size=$(du -ch ecoli.bwa.* | tail -1 | cut -f1) ;;
    minimap2) size=$(du -sh ecoli.mmi | cut -f1) ;;
    bowtie2) size=$(du -ch ecoli.bt2.* | tail -1 | cut -f1) ;;
  esac
  echo -e "$a\t$(echo "$t" | cut -f2)\t$(echo "$t" | awk -F'\t' '{print $3+$4}')\t$(( $(echo "$t" | cut -f5) / 1024 ))\t$size"
done
