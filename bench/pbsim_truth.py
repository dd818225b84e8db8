#!/usr/bin/env python3
"""Truth and read sets for bench/long_read_bench.sh, from pbsim 1.0.3 output.

pbsim 1.0.3 writes, per reference sequence, PREFIX_0001.fastq and PREFIX_0001.maf. Every MAF block
is a reference line (always "+", 0-based start in forward reference coordinates, aligned length)
and a read line whose strand is "-" when the FASTQ read is the reverse complement of the reference.

  pbsim_truth.py maf SET PBSIM.maf PBSIM.fastq OUT.fq OUT.truth.tsv
      renames reads to SET_<pbsim name>, writes them to OUT.fq and their truth, one row a read:
      name, contig, strand (+/-), start (1-based), end (1-based, inclusive) of the true reference
      interval. Reads more than 10% N are dropped (pbsim samples the reference's N runs too, and
      such a read has nothing to align to) and counted in the stats row's last column. Prints one
      stats row (see STATS_HEADER) on stdout.
  pbsim_truth.py chimeras SRC.fq SRC.truth.tsv N OUT.fq OUT.truth.tsv OUT.parts.tsv
      takes the first N reads of SRC.fq, sorts them by true start and joins read i with read i+N/2
      (so the two parts lie about half the sampled span apart; with N=300 from 20 Mb, ~10 Mb) into
      one read chim_<i>: part 1 then part 2, each in its own orientation. OUT.truth.tsv has one row
      per part (same name, so a read has two true intervals), in read order: the five truth columns
      then read_start, read_end (1-based, inclusive, where the part lies in the chimeric read as
      written); OUT.parts.tsv (with a header) has name, part, source read, contig, strand, start,
      end, read_start, read_end. Prints a stats row.
  pbsim_truth.py stats SET READS.fq
      the stats row of any FASTQ (identity columns "-").
  pbsim_truth.py bam2tsv ALIGNMENTS.bam OUT.tsv
      a truth-format TSV (name, contig, strand, start, end) of the mapped primary records of an
      alignment file: a reference aligner's placements, for reads without simulated truth (the
      SIRV cDNA reads), so that scoring them measures agreement with it, not correctness.
"""
import re
import subprocess
import statistics
import sys

STATS_HEADER = ("set\treads\tbases\tmean_len\tmedian_len\tN50\tmin_len\tmax_len\tidentity\terr_per_base\t"
                "dropped_N_reads")


def fastq(path):
    with open(path) as f:
        while True:
            h = f.readline()
            if not h:
                return
            s = f.readline().rstrip("\n")
            f.readline()
            q = f.readline().rstrip("\n")
            yield h[1:].split()[0], s, q


def n50(lengths):
    half, acc = sum(lengths) / 2.0, 0
    for n in sorted(lengths, reverse=True):
        acc += n
        if acc >= half:
            return n
    return 0


def stats_row(name, lengths, identity="-", err="-", dropped="-"):
    return "\t".join(str(x) for x in (
        name, len(lengths), sum(lengths), "%.0f" % statistics.mean(lengths), "%.0f" % statistics.median(lengths),
        n50(lengths), min(lengths), max(lengths), identity, err, dropped))


def maf_blocks(path):
    """Yields (contig, start0, size, read name, read strand, ref text, read text)."""
    rows = []
    with open(path) as f:
        for line in f:
            if line.startswith("s "):
                rows.append(line.split())
                if len(rows) == 2:
                    r, q = rows
                    if r[4] != "+":
                        sys.exit("unexpected reference strand in " + path)
                    yield r[1], int(r[2]), int(r[3]), q[1], q[4], r[6], q[6]
                    rows = []


def cmd_maf(set_name, maf, fq_in, fq_out, truth_out):
    truth = {}
    for contig, start0, size, name, strand, rtext, qtext in maf_blocks(maf):
        matches = sum(a == b for a, b in zip(rtext, qtext))
        # errors: substitutions, insertions (ref '-') and deletions (read '-')
        truth[name] = ((contig, strand, start0 + 1, start0 + size),
                       (matches, len(rtext), len(rtext) - matches, len(qtext) - qtext.count("-")))
    lengths = []
    dropped = 0
    acc = [0, 0, 0, 0]
    with open(fq_out, "w") as out, open(truth_out, "w") as tsv:
        for name, s, q in fastq(fq_in):
            t, counts = truth.pop(name)
            if s.upper().count("N") > 0.1 * len(s):
                dropped += 1
                continue
            acc = [x + y for x, y in zip(acc, counts)]
            new = "%s_%s" % (set_name, name)
            out.write("@%s\n%s\n+\n%s\n" % (new, s, q))
            tsv.write("%s\t%s\t%s\t%d\t%d\n" % ((new,) + t))
            lengths.append(len(s))
    if truth:
        sys.exit("%d MAF reads missing from %s" % (len(truth), fq_in))
    # identity = matching columns / alignment columns; errors per read base
    print(stats_row(set_name, lengths, "%.4f" % (acc[0] / acc[1]), "%.4f" % (acc[2] / acc[3]), dropped))


def cmd_chimeras(src_fq, src_truth, n, fq_out, truth_out, parts_out):
    truth = {}
    for line in open(src_truth):
        f = line.rstrip("\n").split("\t")
        truth[f[0]] = (f[1], f[2], int(f[3]), int(f[4]))
    reads = []
    for rec in fastq(src_fq):
        reads.append(rec)
        if len(reads) == n:
            break
    if len(reads) < n or n % 2:
        sys.exit("need an even N <= the reads in " + src_fq)
    reads.sort(key=lambda r: (truth[r[0]][0], truth[r[0]][2]))
    half = n // 2
    lengths = []
    with open(fq_out, "w") as out, open(truth_out, "w") as tsv, open(parts_out, "w") as parts:
        parts.write("name\tpart\tsource\tcontig\tstrand\tstart\tend\tread_start\tread_end\n")
        for i in range(half):
            a, b = reads[i], reads[i + half]
            name = "chim_%d" % (i + 1)
            out.write("@%s\n%s\n+\n%s\n" % (name, a[1] + b[1], a[2] + b[2]))
            offset = 0
            for part, (src, s, _) in enumerate((a, b), 1):
                t = truth[src]
                tsv.write("%s\t%s\t%s\t%d\t%d\t%d\t%d\n" % ((name,) + t + (offset + 1, offset + len(s))))
                parts.write("%s\t%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n" % (
                    (name, part, src) + t + (offset + 1, offset + len(s))))
                offset += len(s)
            lengths.append(offset)
    print(stats_row("chimeric", lengths))


def cmd_bam2tsv(bam, out_path):
    view = subprocess.Popen(["samtools", "view", "-F", "0x904", bam], stdout=subprocess.PIPE, text=True)
    with open(out_path, "w") as out:
        for line in view.stdout:
            f = line.split("\t", 6)
            span = sum(int(n) for n, op in re.findall(r"(\d+)([MIDNSHP=X])", f[5]) if op in "MDN=X")
            pos = int(f[3])
            out.write("%s\t%s\t%s\t%d\t%d\n" % (f[0], f[2], "-" if int(f[1]) & 0x10 else "+", pos, pos + span - 1))
    if view.wait() != 0:
        sys.exit("samtools view failed on " + bam)


def main():
    a = sys.argv[1:]
    if a and a[0] == "header":
        print(STATS_HEADER)
    elif a and a[0] == "maf" and len(a) == 6:
        cmd_maf(*a[1:])
    elif a and a[0] == "chimeras" and len(a) == 7:
        cmd_chimeras(a[1], a[2], int(a[3]), a[4], a[5], a[6])
    elif a and a[0] == "bam2tsv" and len(a) == 3:
        cmd_bam2tsv(a[1], a[2])
    elif a and a[0] == "stats" and len(a) == 3:
        print(stats_row(a[1], [len(s) for _, s, _ in fastq(a[2])]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
