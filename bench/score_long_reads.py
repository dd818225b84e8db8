#!/usr/bin/env python3
"""Scores long-read alignments against interval truth, identically for every aligner (issue 18).

Truth: a TSV name<TAB>contig<TAB>strand(+/-)<TAB>start<TAB>end (1-based, inclusive: the true
reference interval) [<TAB>read_start<TAB>read_end (1-based, inclusive: where the part lies in the
read as sequenced)], from bench/pbsim_truth.py. A read may have several rows (a chimeric read: one
per part, in read order, with the read columns). Reads in the alignments but not in the truth are ignored (a note goes to stderr); reads
in the truth but not in the alignments count as unmapped, so the denominator is always the truth.

A primary record is correct when it lies on the contig and strand of one of the read's true parts
and its reference interval (POS .. POS + reference span - 1) overlaps that part's interval by at
least one base; "correct50" asks for >= 50% reciprocal overlap (overlap >= half the record's span
and >= half the part's length). Reports for all reads and at MAPQ >= 1 and >= 20: mapped %,
correct %, error rate (wrong / mapped); then supplementary (flag 0x800) statistics: reads with any,
records, and records that overlap none of the read's true parts (same contig and strand); and, for
reads with two or more true parts (chimeras), the share whose primary + supplementary records
overlap every part (same contig and strand) and, over those, the median distance in read bases
between the true join of parts 1 and 2 and the aligned one (midpoint between the query end of the
records covering part 1 and the query start of those covering part 2; "-" when none).
Secondary records (0x100) are ignored.

Output: one TSV row, columns as HEADER (`--header` prints it).
Usage: score_long_reads.py TRUTH.tsv ALIGNMENTS.(sam|bam|cram) [label]
       score_long_reads.py --header

`--calibration` prints instead a MAPQ calibration table for the mapped primary records (same layout
as bench/score_alignments.py --calibration; wrong = not correct by the any-overlap rule).
Usage: score_long_reads.py --calibration TRUTH.tsv ALIGNMENTS [label]
"""
import re
import statistics
import subprocess
import sys

from score_alignments import print_calibration  # same folder: the one MAPQ calibration table

HEADER = ("label\treads\tmapped%\tcorrect%\tcorrect50%\terr\tmapped%Q1\tcorrect%Q1\terrQ1\tmapped%Q20\t"
          "correct%Q20\terrQ20\tsupp_reads\tsupp_recs\tsupp_wrong\tchim_both%\tjoin_err_med")

CIGAR = re.compile(r"(\d+)([MIDNSHP=X])")


def load_truth(path):
    truth = {}
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < 5 or f[0] == "name":
            continue
        part = (f[1], f[2] == "-", int(f[3]), int(f[4]))
        if len(f) >= 7:
            part += (int(f[5]), int(f[6]))
        truth.setdefault(f[0], []).append(part)
    return truth


def parse_cigar(cigar):
    """(reference span, leading clip, aligned query bases, query length incl. clips)."""
    ref = lead = aligned = qlen = 0
    seen_aligned = False
    for n, op in CIGAR.findall(cigar):
        n = int(n)
        if op in "MDN=X":
            ref += n
        if op in "MI=X":
            aligned += n
        if op in "MIS=XH":
            qlen += n
        if op in "SH" and not seen_aligned:
            lead += n
        if op in "MIDN=X":
            seen_aligned = True
    return ref, lead, aligned, qlen


class Record:
    __slots__ = ("flag", "contig", "reverse", "start", "end", "mapq", "qstart", "qend")

    def __init__(self, f):
        self.flag = int(f[1])
        self.contig = f[2]
        self.reverse = bool(self.flag & 0x10)
        self.mapq = int(f[4])
        if self.flag & 0x4:
            self.start = self.end = 0
            self.qstart = self.qend = 0
            return
        span, lead, aligned, qlen = parse_cigar(f[5])
        self.start = int(f[3])
        self.end = self.start + max(span, 1) - 1
        # query interval on the read as sequenced (0-based, half-open)
        if self.reverse:
            self.qstart, self.qend = qlen - lead - aligned, qlen - lead
        else:
            self.qstart, self.qend = lead, lead + aligned


def overlap(rec, part):
    contig, reverse, start, end = part[:4]
    if rec.contig != contig or rec.reverse != reverse:
        return 0
    return max(0, min(rec.end, end) - max(rec.start, start) + 1)


def reads(truth_path, aln_path):
    """Yields (truth parts, primary Record or None, [supplementary Records]) per truth read."""
    truth = load_truth(truth_path)
    recs = {}
    ignored = set()
    view = subprocess.Popen(["samtools", "view", "-F", "0x100", aln_path], stdout=subprocess.PIPE, text=True)
    for line in view.stdout:
        f = line.split("\t", 6)
        if f[0] not in truth:
            ignored.add(f[0])
            continue
        r = Record(f)
        entry = recs.setdefault(f[0], [None, []])
        if r.flag & 0x800:
            entry[1].append(r)
        elif entry[0] is None:
            entry[0] = r
    if view.wait() != 0:
        sys.exit("samtools view failed on " + aln_path)
    if ignored:
        sys.stderr.write("score_long_reads: %d reads of %s not in %s, ignored\n" % (len(ignored), aln_path, truth_path))
    for name, parts in truth.items():
        primary, supp = recs.get(name, (None, []))
        if primary is not None and primary.flag & 0x4:
            primary = None
        yield parts, primary, supp


def correct(rec, parts, strict=False):
    for p in parts:
        ov = overlap(rec, p)
        if ov and (not strict or (ov >= 0.5 * (rec.end - rec.start + 1) and ov >= 0.5 * (p[3] - p[2] + 1))):
            return True
    return False


def score(truth_path, aln_path, label):
    total = 0
    mapped = {0: 0, 1: 0, 20: 0}
    ok = {0: 0, 1: 0, 20: 0}
    ok50 = 0
    supp_reads = supp_recs = supp_wrong = 0
    chim = chim_both = 0
    join_err = []
    for parts, primary, supp in reads(truth_path, aln_path):
        total += 1
        if primary is not None:
            good = correct(primary, parts)
            ok50 += correct(primary, parts, strict=True)
            for q in (0, 1, 20):
                if primary.mapq >= q:
                    mapped[q] += 1
                    ok[q] += good
        if supp:
            supp_reads += 1
            supp_recs += len(supp)
            supp_wrong += sum(not correct(r, parts) for r in supp)
        if len(parts) >= 2:
            chim += 1
            recs = ([primary] if primary is not None else []) + supp
            if all(any(overlap(r, p) for r in recs) for p in parts):
                chim_both += 1
                if len(parts[0]) == 6:
                    first = [r for r in recs if overlap(r, parts[0])]
                    second = [r for r in recs if overlap(r, parts[1])]
                    aligned_join = (max(r.qend for r in first) + min(r.qstart for r in second)) / 2.0
                    join_err.append(abs(aligned_join - parts[0][5]))
    if total == 0:
        sys.exit("no reads in " + truth_path)
    cells = [label, str(total)]
    for q in (0, 1, 20):
        err = (mapped[q] - ok[q]) / mapped[q] if mapped[q] else 0.0
        cells += ["%.2f" % (100.0 * mapped[q] / total), "%.2f" % (100.0 * ok[q] / total)]
        if q == 0:
            cells.append("%.2f" % (100.0 * ok50 / total))
        cells.append("%.1e" % err)
    cells += [str(supp_reads), str(supp_recs), str(supp_wrong)]
    cells.append("%.2f" % (100.0 * chim_both / chim) if chim else "-")
    cells.append("%.0f" % statistics.median(join_err) if join_err else "-")
    print("\t".join(cells))


def calibration(truth_path, aln_path, label):
    records = ((None, False) if primary is None else (primary.mapq, correct(primary, parts))
               for parts, primary, _ in reads(truth_path, aln_path))
    print_calibration(label, records, truth_path)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--header" in sys.argv[1:]:
        print(HEADER)
        return
    if len(args) < 2:
        sys.exit(__doc__)
    label = args[2] if len(args) > 2 else args[1]
    if "--calibration" in sys.argv[1:]:
        calibration(args[0], args[1], label)
    else:
        score(args[0], args[1], label)


if __name__ == "__main__":
    main()
