#!/usr/bin/env bash
# Writes the seed corpora in fuzz/corpus/<target>/ from the project's own test data and a built
# spindle (Release build: build/spindle). Run once when a target is added; the seeds are committed.
# Usage: bash fuzz/make_seeds.sh [path/to/spindle]
set -euo pipefail
cd "$(dirname "$0")/.."
spindle=${1:-build/spindle}
corpus=fuzz/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p $corpus/{npy,safetensors,safetensors_index,config,fastx,msa,mutations,manifest,family_model,ref_index}

# Checkpoints, .npy and configs: a tiny random HyenaDNA (keys and config of the released models).
"$spindle" model init-random --arch hyenadna --d-model 8 --n-layer 1 --max-seq-len 34 -o "$work/hyena"
cp "$work/hyena/model.safetensors" $corpus/safetensors/hyenadna_tiny.safetensors
cp "$work/hyena/config.json" $corpus/config/hyenadna_init_random.json
# The golden configs of every architecture, when ../shared is there (committed copies otherwise).
for dir in ../shared/golden/*/; do
  [ -f "$dir/config.json" ] && cp "$dir/config.json" "$corpus/config/$(basename "$dir").json"
done
python3 - "$corpus/npy" <<'PY'
import struct, sys
def npy(path, descr, shape, payload):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    open(path, "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload)
npy(sys.argv[1] + "/f32_2x3.npy", "<f4", "(2, 3)", struct.pack("<6f", *range(6)))
npy(sys.argv[1] + "/i64_4.npy", "<i8", "(4,)", struct.pack("<4q", 0, 1, 2, 3))
npy(sys.argv[1] + "/f16_2.npy", "<f2", "(2,)", b"\x00\x3c\x00\x40")
npy(sys.argv[1] + "/ids_1x6.npy", "<i8", "(1, 6)", struct.pack("<6q", 0, 7, 8, 9, 10, 1))
PY
# Logits of the random model: an .npy as spindle itself writes it.
"$spindle" model forward "$work/hyena" --ids $corpus/npy/ids_1x6.npy --logits $corpus/npy/logits_1x6.npy

# A sharded checkpoint index that names the valid shard the target writes.
cat >$corpus/safetensors_index/two_tensors.json <<'JSON'
{"metadata": {"total_size": 32}, "weight_map": {"a.weight": "model-00001-of-00001.safetensors", "b.bias": "model-00001-of-00001.safetensors"}}
JSON

# Reads: first byte = base policy (0 strict, 1 IUPAC->N, 2 as is); FASTQ plain and gzip, FASTA.
zcat data/genomics/sarscov2_ERR5069949_1.fastq.gz | head -8 >"$work/reads.fq"
{ printf '\0'; cat "$work/reads.fq"; } >$corpus/fastx/reads.fq
{ printf '\0'; gzip -c "$work/reads.fq"; } >$corpus/fastx/reads.fq.gz
{ printf '\1'; head -c 300 data/genomics/sarscov2_MN908947.fasta; printf '\nRYKM\n'; } >$corpus/fastx/ref.fa
{ printf '\2'; head -c 200 data/proteins/BLAT_ECOLX.wt.fasta; } >$corpus/fastx/protein.fa

# Alignments: the head of the bundled a2m (first records, cut to 60 columns), a3m and Stockholm.
awk '/^>/{n++} n<=4' data/proteins/BLAT_ECOLX.every5.a2m | cut -c1-60 >$corpus/msa/blat_head.a2m
printf '>focus/20-31\nMKVLAAGIVGLL\n>hit1\nMKVaLAA-GIVGLL\n>hit2\nMRVLAgAGLVG-L\n' >$corpus/msa/small.a3m
printf '# STOCKHOLM 1.0\nfocus/1-10  MKVLA.AGIVG\nhit1        MRVLAaAG-VG\n#=GC RF     xxxxx.xxxxx\n//\n' >$corpus/msa/small.sto

# Mutations (wild type in mutations_fuzz.cpp, numbered from 20): first byte even = inline list.
printf '\0K21V' >$corpus/mutations/single
printf '\0K21V:L23A,M20G' >$corpus/mutations/multi
printf '\1mutant,DMS_score\nK21V,0.5\nL23A:A24G,-1.2\n' >$corpus/mutations/table.csv
printf '\1mutant\tscore\nG26P\t1\n' >$corpus/mutations/table.tsv

# A vector-store manifest and a saved MSA family model, written by spindle itself.
python3 - "$work/vectors.npy" <<'PY'
import struct, sys, random
random.seed(1)
rows, dim = 64, 8
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, dim)
header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
data = struct.pack("<%df" % (rows * dim), *[random.gauss(0, 1) for _ in range(rows * dim)])
open(sys.argv[1], "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data)
PY
# Built from inside $work so the manifests' producer names no machine path.
spindle_abs=$(realpath "$spindle")
(cd "$work" && "$spindle_abs" index build vectors.npy --factory Flat -o flat)
cp "$work/flat/manifest.json" $corpus/manifest/flat.json
(cd "$work" && "$spindle_abs" index build vectors.npy --factory HNSW8 -o hnsw)
cp "$work/hnsw/manifest.json" $corpus/manifest/hnsw.json
printf '>focus\nMKVLAAGIVG\n>a\nMKVLAAGIVG\n>b\nMRVLAAGLVG\n>c\nMKILAAGIVA\n>d\nMKVLSAGIVG\n' >"$work/tiny.a2m"
printf '>focus\nMKVLAAGIVG\n' >"$work/tiny_wt.fa"
"$spindle" score --msa "$work/tiny.a2m" --wt "$work/tiny_wt.fa" --save-model $corpus/family_model/tiny.model
# The reference-index manifest that matches the index the ref_index target builds at start-up.
SPINDLE_FUZZ_WRITE_SEED=$corpus/ref_index/manifest.json "$(dirname "$spindle")/fuzz_replay_ref_index" /dev/null >/dev/null || true
du -a $corpus | sort -k2
