#!/usr/bin/env bash
# Demo: index the bundled SARS-CoV-2 reference, align the bundled real NextSeq read pairs
# (Embed-Search-Align), and summarise the BAM.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$root/data/genomics"
out="$DEMO_OUT/align"
mkdir -p "$out"

"$SPINDLE" index ref "$data/sarscov2_MN908947.fasta" -o "$out/sarscov2.idx" 2>"$out/index.log"
grep 'indexed' "$out/index.log" | sed 's/^\[spindle\] /index: /'
"$SPINDLE" align "$out/sarscov2.idx" "$data/sarscov2_ERR5069949_1.fastq.gz" "$data/sarscov2_ERR5069949_2.fastq.gz" \
  -o "$out/ERR5069949.bam" -R '@RG\tID:ERR5069949\tSM:ERR5069949' 2>"$out/align.log"
grep -E 'insert size|aligned' "$out/align.log" | sed 's/^\[spindle\] /align: /'
echo "output: $out/ERR5069949.bam"
if command -v samtools >/dev/null; then
  samtools flagstat "$out/ERR5069949.bam" | grep -E 'in total|primary mapped|properly paired|singletons'
  echo "first alignments:"
  samtools view "$out/ERR5069949.bam" | awk 'NR <= 4' | cut -f 1-9 | column -t  # awk reads all: no SIGPIPE under pipefail
fi
