#!/usr/bin/env python3
"""Scores aligner output against simulated truth, identically for every aligner.

Truth: a SAM of true placements (ART's -sam output, or mason_simulator's -oa), or a TSV
name<TAB>contig<TAB>strand(+/-)<TAB>leftmost_1based. A read is correct when its primary record lies
on the true contig and strand with its leftmost position within 20 bp of the truth. The read's
leftmost position is POS minus its leading soft/hard clip (where its first base would lie), as
bwa's wgsim_eval.pl computes it: the truth gives the first base's position, and a correct
alignment that clips an error burst at the read's start would otherwise count as wrong.
`--clipped-pos` scores POS itself instead (the stricter reading). Reports, for
all reads and at MAPQ >= 1 and >= 20: mapped %, correct %, and error rate (wrong / mapped).
Paired-end truth (ART -p -sam: both mates in one SAM, flagged 0x40/0x80) is matched by read name
and mate flag; mate names may carry /1 /2.
Usage: score_alignments.py TRUTH ALIGNMENTS.(sam|bam) [label] [--clipped-pos]

`--calibration` prints instead a MAPQ calibration table for the mapped primary records: per MAPQ
bucket (0, 1-9, 10-19, 20-29, 30-39, 40-49, 50-59, 60+) the reads, wrong ones, the observed error
rate, the error rate the MAPQ values predict (mean of 10^(-MAPQ/10) over the bucket's reads), the
observed error as a phred value, and the same counts cumulated over MAPQ >= the bucket's lower end.
Usage: score_alignments.py --calibration TRUTH ALIGNMENTS.(sam|bam) [label] [--clipped-pos]
"""
import math
import re
import subprocess
import sys


def read_name(qname):
    return qname[:-2] if qname.endswith(("/1", "/2")) else qname


def load_truth(path):
    truth = {}
    if path.endswith(".tsv"):
        for line in open(path):
            name, contig, strand, pos = line.rstrip("\n").split("\t")[:4]
            truth[name] = (contig, strand == "-", int(pos))
        return truth
    for line in open(path):
        if line.startswith("@"):
            continue
        f = line.split("\t", 6)
        flag = int(f[1])
        if flag & 0x900:
            continue
        key = (read_name(f[0]), flag & 0xC0)
        truth[key] = (f[2], bool(flag & 0x10), int(f[3]))
    return truth


def leading_clip(cigar):
    """Bases clipped (S or H) before the first aligned base, in reference orientation."""
    m = re.match(r"(\d+)[SH](?:(\d+)S)?", cigar)
    return sum(int(g) for g in m.groups() if g) if m else 0


def scored_records(truth_path, aln_path, clipped_pos):
    """Yields (mapq, correct) per primary record; mapq is None for an unmapped record."""
    truth = load_truth(truth_path)
    keyed_by_name = truth_path.endswith(".tsv")
    view = subprocess.Popen(["samtools", "view", "-F", "0x900", aln_path], stdout=subprocess.PIPE, text=True)
    for line in view.stdout:
        f = line.split("\t", 6)
        flag = int(f[1])
        if flag & 0x4:
            yield None, False
            continue
        key = read_name(f[0]) if keyed_by_name else (read_name(f[0]), flag & 0xC0)
        t = truth.get(key)
        if t is None and not keyed_by_name:  # single-end truth for single-end runs
            t = truth.get((read_name(f[0]), 0))
        leftmost = int(f[3]) - (0 if clipped_pos else leading_clip(f[5]))
        ok = t is not None and f[2] == t[0] and bool(flag & 0x10) == t[1] and abs(leftmost - t[2]) <= 20
        yield int(f[4]), ok
    if view.wait() != 0:
        sys.exit("samtools view failed on " + aln_path)


BUCKETS = ((0, 0), (1, 9), (10, 19), (20, 29), (30, 39), (40, 49), (50, 59), (60, 255))


def print_calibration(label, records, source):
    """Prints the MAPQ calibration table of `records`: (mapq or None if unmapped, correct) pairs."""
    n = [0] * len(BUCKETS)
    wrong = [0] * len(BUCKETS)
    predicted = [0.0] * len(BUCKETS)
    total = unmapped = 0
    for mapq, ok in records:
        total += 1
        if mapq is None:
            unmapped += 1
            continue
        b = next(i for i, (lo, hi) in enumerate(BUCKETS) if lo <= mapq <= hi)
        n[b] += 1
        wrong[b] += not ok
        predicted[b] += 10.0 ** (-mapq / 10.0)
    if total == 0:
        sys.exit("no records in " + source)
    print("# %s: %d reads, %d unmapped" % (label, total, unmapped))
    print("mapq\treads\twrong\tobs_err\tpred_err\tobs_phred\treads_ge\twrong_ge\tobs_err_ge")
    for i, (lo, hi) in enumerate(BUCKETS):
        name = str(lo) if lo == hi else ("%d+" % lo if hi == 255 else "%d-%d" % (lo, hi))
        obs = wrong[i] / n[i] if n[i] else float("nan")
        pred = predicted[i] / n[i] if n[i] else float("nan")
        phred = -10 * math.log10(obs) if n[i] and wrong[i] else float("inf") if n[i] else float("nan")
        n_ge, w_ge = sum(n[i:]), sum(wrong[i:])
        print("%s\t%d\t%d\t%.2e\t%.2e\t%.1f\t%d\t%d\t%.2e" % (
            name, n[i], wrong[i], obs, pred, phred, n_ge, w_ge, w_ge / n_ge if n_ge else float("nan")))


def calibration(truth_path, aln_path, label, clipped_pos):
    print_calibration(label, scored_records(truth_path, aln_path, clipped_pos), aln_path)


def main():
    flags = {"--clipped-pos", "--calibration"}
    args = [a for a in sys.argv[1:] if a not in flags]
    clipped_pos = "--clipped-pos" in sys.argv[1:]
    truth_path, aln_path = args[0], args[1]
    label = args[2] if len(args) > 2 else aln_path
    if "--calibration" in sys.argv[1:]:
        calibration(truth_path, aln_path, label, clipped_pos)
        return
    total = 0
    mapped = {0: 0, 1: 0, 20: 0}
    correct = {0: 0, 1: 0, 20: 0}
    for mapq, ok in scored_records(truth_path, aln_path, clipped_pos):
        total += 1
        if mapq is None:
            continue
        for q in (0, 1, 20):
            if mapq >= q:
                mapped[q] += 1
                correct[q] += ok
    if total == 0:
        sys.exit("no records in " + aln_path)
    cells = [label, str(total)]
    for q in (0, 1, 20):
        err = (mapped[q] - correct[q]) / mapped[q] if mapped[q] else 0.0
        cells += ["%.2f" % (100.0 * mapped[q] / total), "%.2f" % (100.0 * correct[q] / total), "%.1e" % err]
    print("\t".join(cells))


if __name__ == "__main__":
    main()
