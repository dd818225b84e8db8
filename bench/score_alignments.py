#!/usr/bin/env python3
"""Scores aligner output against simulated truth, identically for every aligner.

Truth: a SAM of true placements (ART's -sam output, or mason_simulator's -oa), or a TSV
name<TAB>contig<TAB>strand(+/-)<TAB>leftmost_1based. A read is correct when its primary record lies
on the true contig and strand with its leftmost position within 20 bp of the truth. Reports, for
all reads and at MAPQ >= 1 and >= 20: mapped %, correct %, and error rate (wrong / mapped).
Usage: score_alignments.py TRUTH ALIGNMENTS.(sam|bam) [label]
"""
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


def main():
    truth_path, aln_path = sys.argv[1], sys.argv[2]
    label = sys.argv[3] if len(sys.argv) > 3 else aln_path
    truth = load_truth(truth_path)
    keyed_by_name = truth_path.endswith(".tsv")
    view = subprocess.Popen(["samtools", "view", "-F", "0x900", aln_path], stdout=subprocess.PIPE, text=True)
    total = 0
    mapped = {0: 0, 1: 0, 20: 0}
    correct = {0: 0, 1: 0, 20: 0}
    for line in view.stdout:
        f = line.split("\t", 6)
        flag = int(f[1])
        total += 1
        if flag & 0x4:
            continue
        key = read_name(f[0]) if keyed_by_name else (read_name(f[0]), flag & 0xC0)
        t = truth.get(key)
        if t is None and not keyed_by_name:  # single-end truth for single-end runs
            t = truth.get((read_name(f[0]), 0))
        mapq = int(f[4])
        ok = t is not None and f[2] == t[0] and bool(flag & 0x10) == t[1] and abs(int(f[3]) - t[2]) <= 20
        for q in (0, 1, 20):
            if mapq >= q:
                mapped[q] += 1
                correct[q] += ok
    view.wait()
    if total == 0:
        sys.exit("no records in " + aln_path)
    cells = [label, str(total)]
    for q in (0, 1, 20):
        err = (mapped[q] - correct[q]) / mapped[q] if mapped[q] else 0.0
        cells += ["%.2f" % (100.0 * mapped[q] / total), "%.2f" % (100.0 * correct[q] / total), "%.1e" % err]
    print("\t".join(cells))


if __name__ == "__main__":
    main()
