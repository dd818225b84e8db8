#!/usr/bin/env bash
# Peak memory of spindle on big inputs (issue 16: bounded memory). Three jobs, each at several input
# sizes, every run under `/usr/bin/time -v` (peak RSS = "Maximum resident set size"):
#   align  spindle index ref of E. coli K-12 (../shared/data), then spindle align -t THREADS of
#          READS simulated 150 bp single-end reads (uniform start, both strands, 0.5% substitutions,
#          quality I, names r<i>_<1-based start>_<strand>) to BAM on disk. Claim: flat in the read count.
#   potts  spindle score --model potts --max-iter MAX_ITER --save-model on MSAs of SEQS rows built from
#          KKA2_KLEPN.a2m (12,861 rows, 233 model columns): focus row first, then rows sampled without
#          replacement up to the alignment's size; beyond it every row once plus rows drawn with
#          replacement carrying ~10% random amino-acid substitutions in the upper-case (model) columns.
#   embed  spindle embed (mean pool) of one random-DNA FASTA record of LENS tokens with a random
#          HyenaDNA (d 128, 2 layers, context 1,000,002). Claim: linear in L.
# Usage: bench/big_input_memory.sh SPINDLE_BINARY [WORKDIR=build/bench/bigmem]
# Environment: JOBS="align potts embed", READS="10000 100000 300000 1000000",
#   SEQS="5000 10000 12861 20000 40000", LENS="125000 250000 500000 750000 1000000", THREADS=2, MAX_ITER=8,
#   DATA=<repo>/../shared/data. Inputs already in WORKDIR are reused (same seeds, same files).
# Results: WORKDIR/peak_memory.tsv (job, size, wall s, user s, sys s, peak RSS KiB; every run
# appended), WORKDIR/logs/*.time (full time -v output) and *.err (spindle's stderr); markdown tables
# of the last run of each (job, size) printed at the end.
set -euo pipefail
spindle="$(realpath "$1")"
here="$(cd "$(dirname "$0")" && pwd)"
work="${2:-$here/../build/bench/bigmem}"
data="${DATA:-$here/../../shared/data}"
data="$(realpath "$data")"
jobs="${JOBS:-align potts embed}"
reads_sizes="${READS:-10000 100000 300000 1000000}"
seq_sizes="${SEQS:-5000 10000 12861 20000 40000}"
lens="${LENS:-125000 250000 500000 750000 1000000}"
threads="${THREADS:-2}"
max_iter="${MAX_ITER:-8}"  # L-BFGS keeps 5 correction pairs: the peak is reached from iteration 6 on
py=python3
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq --no-install-recommends time >/dev/null; }
mkdir -p "$work/logs"
cd "$work"

timed() {  # job size cmd...: run under time -v, append a row to peak_memory.tsv
  local job="$1" size="$2"
  shift 2
  local tag="logs/$job.$size"
  if ! /usr/bin/time -v -o "$tag.time" "$@" > "$tag.out" 2> "$tag.err"; then
    echo "FAILED: $*" >&2
    tail -20 "$tag.err" >&2
    return 1
  fi
  awk -v job="$job" -v size="$size" -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, a, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + a[i] }
    /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident set size/ { m = $2 }
    END { printf "%s\t%s\t%.2f\t%.2f\t%.2f\t%d\n", job, size, w, u, s, m }' "$tag.time" | tee -a peak_memory.tsv
}

# ---------------------------------------------------------------- align
if [[ " $jobs " == *" align "* ]]; then
  max_reads=$(echo $reads_sizes | tr ' ' '\n' | sort -n | tail -1)
  missing=0
  for n in $reads_sizes; do [ -s "reads.$n.fq.gz" ] || missing=1; done
  if [ $missing = 1 ]; then
    $py - "$data/genomes/ecoli_K12_MG1655.fasta.gz" $reads_sizes <<'EOF'
import gzip, random, sys
ref_path, sizes = sys.argv[1], sorted(int(x) for x in sys.argv[2:])
with gzip.open(ref_path, "rt") as f:
    genome = "".join(l.strip() for l in f if not l.startswith(">")).upper()
comp = str.maketrans("ACGTN", "TGCAN")
rng = random.Random(16)
length, sub_rate, G = 150, 0.005, len(genome)
qual = "I" * length
outs = [(n, gzip.open(f"reads.{n}.fq.gz", "wt", compresslevel=1)) for n in sizes]
others = {b: [c for c in "ACGT" if c != b] for b in "ACGT"}
for i in range(sizes[-1]):
    pos = rng.randrange(G - length + 1)
    seq = genome[pos:pos + length]
    strand = "+"
    if rng.random() < 0.5:
        seq, strand = seq.translate(comp)[::-1], "-"
    s = list(seq)
    j = int(rng.expovariate(sub_rate))
    while j < length:
        if s[j] in others:
            s[j] = rng.choice(others[s[j]])
        j += 1 + int(rng.expovariate(sub_rate))
    rec = f"@r{i}_{pos + 1}_{strand}\n{''.join(s)}\n+\n{qual}\n"
    for n, out in outs:
        if i < n:
            out.write(rec)
for _, out in outs:
    out.close()
EOF
  fi
  if [ ! -s ecoli_index/.done ]; then
    rm -rf ecoli_index
    timed index ecoli "$spindle" index ref "$data/genomes/ecoli_K12_MG1655.fasta.gz" -o ecoli_index -t "$threads"
    touch ecoli_index/.done
  fi
  for n in $reads_sizes; do
    timed align "$n" "$spindle" align ecoli_index "reads.$n.fq.gz" -t "$threads" -o "align.$n.bam"
    if command -v samtools >/dev/null; then
      # sanity: records written and share placed within 20 bp of the simulated start at MAPQ >= 20
      samtools view -F 0x900 "align.$n.bam" | awk -v n="$n" '{ split($1, a, "_"); t++
        if ($5 >= 20) { q++; d = $4 - a[2]; if (d < 0) d = -d; if (d <= 20) ok++ } }
        END { printf "  align %s: %d primary records (of %d reads), MAPQ>=20 %d, of which within 20 bp %d\n", n, t, n, q, ok }'
    fi
  done
fi

# ---------------------------------------------------------------- potts
if [[ " $jobs " == *" potts "* ]]; then
  msa_in="$data/variant_effect/KKA2_KLEPN/KKA2_KLEPN.a2m"
  wt="$data/variant_effect/KKA2_KLEPN/KKA2_KLEPN.wt.fasta"
  for n in $seq_sizes; do
    [ -s "kka2.$n.a2m" ] || $py - "$msa_in" "$n" "kka2.$n.a2m" <<'EOF'
import random, sys
src, n, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
names, seqs = [], []
with open(src) as f:
    for line in f:
        line = line.rstrip("\n")
        if line.startswith(">"):
            names.append(line[1:]); seqs.append([])
        elif line:
            seqs[-1].append(line)
seqs = ["".join(s) for s in seqs]
rng = random.Random(n)
others = list(range(1, len(seqs)))
out = [(names[0], seqs[0])]
if n <= len(seqs):
    out += [(names[i], seqs[i]) for i in rng.sample(others, n - 1)]
else:
    out += [(names[i], seqs[i]) for i in others]
    aa = "ACDEFGHIKLMNPQRSTVWY"
    for k in range(n - len(seqs)):
        i = rng.choice(others)
        s = list(seqs[i])
        for j, c in enumerate(s):
            if c in aa and rng.random() < 0.1:
                s[j] = rng.choice(aa.replace(c, ""))
        out.append((f"{names[i]}_sub{k}", "".join(s)))
with open(dst, "w") as f:
    for name, s in out:
        f.write(f">{name}\n{s}\n")
EOF
    timed potts "$n" "$spindle" score --wt "$wt" --msa "kka2.$n.a2m" --save-model "kka2.$n.model" \
      --model potts --max-iter "$max_iter" -t "$threads"
  done
fi

# ---------------------------------------------------------------- embed
if [[ " $jobs " == *" embed "* ]]; then
  [ -s hyena1m/config.json ] || "$spindle" model init-random --arch hyenadna --d-model 128 --n-layer 2 \
    --max-seq-len 1000002 --seed 0 -o hyena1m
  for L in $lens; do
    [ -s "dna.$L.fa" ] || $py - "$L" "dna.$L.fa" <<'EOF'
import random, sys
L, dst = int(sys.argv[1]), sys.argv[2]
rng = random.Random(L)
s = "".join(rng.choice("ACGT") for _ in range(L))
with open(dst, "w") as f:
    f.write(f">rand{L}\n")
    for i in range(0, L, 80):
        f.write(s[i:i + 80] + "\n")
EOF
    timed embed "$L" "$spindle" embed "dna.$L.fa" --model hyena1m -o "embed.$L.npy" -t "$threads"
  done
fi

# ---------------------------------------------------------------- tables (last run of each job and size)
awk -F'\t' '{ key = $1 "\t" $2; if (!(key in row)) order[++n] = key; row[key] = $0 }
  END { for (i = 1; i <= n; i++) print row[order[i]] }' peak_memory.tsv |
  awk -F'\t' 'BEGIN { unit["index"] = "reference"; unit["align"] = "reads"; unit["potts"] = "sequences"; unit["embed"] = "tokens" }
  $1 != last { printf "\n| %s: %s | peak RSS MiB | wall s | CPU s (user+sys) |\n| --- | --- | --- | --- |\n", $1, unit[$1]; last = $1 }
  { printf "| %s | %.0f | %.1f | %.1f |\n", $2, $6 / 1024, $3, $4 + $5 }'
