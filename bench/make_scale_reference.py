#!/usr/bin/env python3
"""Builds a human-scale test reference from a real chromosome and diverged copies of it.

Usage: make_scale_reference.py INPUT.fa[.gz] SIZE OUTPUT.fa [--seed N]

INPUT is a single-sequence FASTA (the bench uses the 70 Mb GRCh37 chrX piece that Debian's
smalt-examples ships: /usr/share/doc/smalt/test/data/hs37chrXtrunc.fa.gz). SIZE is a base count
with an optional k/M/G suffix (decimal: 5M = 5,000,000 bp).

- SIZE below the input's length: the output is the first SIZE bases of the input (a truncated
  prefix, same contig name, N runs kept as they are).
- Otherwise the output is the input in full, followed by contigs copy1, copy2, ... until SIZE
  bases are reached (the last copy truncated; a remainder under 100 kb is dropped, so "70M" gives
  the 69,999,930 bp chrX alone). Copy i is the input with substitutions at rate
  2%, 5%, 10%, 20% (cycling with i: copy1 2%, copy2 5%, copy3 10%, copy4 20%, copy5 2%, ...) plus
  0.1% small indels (events at rate 0.1% of bases, half insertions and half deletions, 1-5 bp),
  and even-numbered copies are reverse-complemented. N bases stay N and no indel starts in one.
  Each copy is drawn from its own generator seeded (seed, i), so copy i is identical in every
  reference made with the same seed (the 300 Mb reference is a prefix of the 1 Gb one).

Every base becomes upper-case; IUPAC codes other than ACGT become N. Lines are 60 bp.
Peak memory is about 15 bytes per input base (about 1 GB for chrX) whatever SIZE is.
"""
import argparse
import gzip
import sys

import numpy as np

RATES = (0.02, 0.05, 0.10, 0.20)
INDEL_RATE = 0.001
MIN_REMAINDER = 100_000
LINE = 60
ACGT = np.frombuffer(b"ACGT", dtype=np.uint8)


def parse_size(text):
    mult = {"k": 10**3, "m": 10**6, "g": 10**9}
    t = text.strip().lower().rstrip("b")
    if t and t[-1] in mult:
        return int(round(float(t[:-1]) * mult[t[-1]]))
    return int(t)


def read_fasta(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if not data.startswith(b">"):
        sys.exit(path + ": not a FASTA file")
    header, _, body = data.partition(b"\n")
    if b"\n>" in body:
        sys.exit(path + ": expected a single sequence")
    seq = np.frombuffer(body.translate(None, b"\r\n \t"), dtype=np.uint8)
    # upper-case, then anything but ACGT -> N
    table = np.full(256, ord("N"), dtype=np.uint8)
    for c in b"ACGT":
        table[c] = c
        table[c + 32] = c
    return header[1:].decode(), table[seq]


def write_contig(out, name, seq):
    out.write(b">" + name.encode() + b"\n")
    n = len(seq)
    full = n // LINE
    if full:
        block = np.empty((full, LINE + 1), dtype=np.uint8)
        block[:, :LINE] = seq[: full * LINE].reshape(full, LINE)
        block[:, LINE] = ord("\n")
        out.write(block.tobytes())
    if n % LINE:
        out.write(seq[full * LINE :].tobytes() + b"\n")


def diverge(seq, copy, seed, rates=RATES):
    rng = np.random.default_rng([seed, copy])
    rate = rates[(copy - 1) % len(rates)]
    n = len(seq)
    acgt = seq != ord("N")
    out = seq.copy()
    # substitutions: a base becomes one of the three others
    sub = np.flatnonzero((rng.random(n, dtype=np.float32) < rate) & acgt)
    code = np.searchsorted(ACGT, out[sub])  # A0 C1 G2 T3
    out[sub] = ACGT[(code + rng.integers(1, 4, len(sub))) % 4]
    del sub, code
    # indel events at non-N positions
    starts = np.flatnonzero((rng.random(n, dtype=np.float32) < INDEL_RATE) & acgt)
    del acgt
    lengths = rng.integers(1, 6, len(starts))
    is_del = rng.random(len(starts)) < 0.5
    d_start, d_len = starts[is_del], lengths[is_del]
    keep = np.ones(n, dtype=bool)
    d_pos = np.repeat(d_start, d_len) + (np.arange(d_len.sum()) - np.repeat(np.cumsum(d_len) - d_len, d_len))
    keep[d_pos[d_pos < n]] = False
    i_start, i_len = starts[~is_del], lengths[~is_del]
    i_pos = np.repeat(i_start, i_len)
    i_bases = ACGT[rng.integers(0, 4, len(i_pos))]
    # insert before i_pos in the original coordinates, then drop the deleted bases
    keep_ins = np.insert(keep, i_pos, True)
    out = np.insert(out, i_pos, i_bases)[keep_ins]
    if copy % 2 == 0:
        comp = np.arange(256, dtype=np.uint8)
        for a, b in zip(b"ACGT", b"TGCA"):
            comp[a] = b
        out = comp[out[::-1]]
    return out, rate


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("size")
    ap.add_argument("output")
    ap.add_argument("--seed", type=int, default=20140)
    ap.add_argument("--rates", default=",".join(str(r) for r in RATES),
                    help="substitution rates the copies cycle through (default 0.02,0.05,0.1,0.2); "
                    "--rates 0.2 makes copies that share almost no 21-mer with chrX (a size test "
                    "without more repeats)")
    a = ap.parse_args()
    target = parse_size(a.size)
    header, seq = read_fasta(a.input)
    tmp = a.output + ".tmp"
    written = 0
    with open(tmp, "wb", buffering=1 << 22) as out:
        if target < len(seq):
            write_contig(out, header, seq[:target])
            written = target
            print(f"{a.output}: {header.split()[0]} prefix {target} bp", file=sys.stderr)
        else:
            write_contig(out, header, seq)
            written = len(seq)
            copy = 0
            while target - written >= MIN_REMAINDER:
                copy += 1
                c, rate = diverge(seq, copy, a.seed, tuple(float(r) for r in a.rates.split(",")))
                c = c[: target - written]
                name = f"copy{copy} diverged_from={header.split()[0]} subst={rate:g} indel={INDEL_RATE:g} " + (
                    "revcomp" if copy % 2 == 0 else "forward"
                )
                write_contig(out, name, c)
                written += len(c)
                print(f"{a.output}: copy{copy} {len(c)} bp subst {rate:g}", file=sys.stderr)
    import os

    os.replace(tmp, a.output)
    print(f"{a.output}: {written} bp", file=sys.stderr)


if __name__ == "__main__":
    main()
