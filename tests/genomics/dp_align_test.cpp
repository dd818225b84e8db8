// DP alignment on hand-made cases: CIGAR, NM, MD, AS against values worked out by hand.
#include <gtest/gtest.h>

#include <random>

#include "base/error.h"
#include "genomics/dp_align.h"
#include "genomics/fastx_reader.h"
#include "models/sequence.h"

namespace spindle {
namespace {

std::string random_dna(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s;
  for (int i = 0; i < n; ++i) s += "ACGT"[rng() % 4];
  return s;
}

struct Case {
  std::string cigar, md;
  int nm, score, pos;
};

Case run(const std::string& read, const std::string& target, int strand = 0) {
  DpAligner dp;
  dp.set_read(read, reverse_complement(read));
  DpHit hit = dp.score(strand, target);
  DpAlignment a = dp.align(strand, target, hit);
  return {cigar_string(a.cigar), a.md, a.edit_distance, a.score, a.target_begin};
}

class DpAlign : public ::testing::Test {
 protected:
  std::string ref = random_dna(600, 7);
};

TEST_F(DpAlign, ExactMatchInsideTarget) {
  Case c = run(ref.substr(200, 150), ref);
  EXPECT_EQ(c.cigar, "150M");
  EXPECT_EQ(c.md, "150");
  EXPECT_EQ(c.nm, 0);
  EXPECT_EQ(c.score, 150);
  EXPECT_EQ(c.pos, 200);
}

TEST_F(DpAlign, MismatchGivesMdAndNm) {
  std::string read = ref.substr(200, 150);
  read[60] = read[60] == 'A' ? 'C' : 'A';
  Case c = run(read, ref);
  EXPECT_EQ(c.cigar, "150M");
  EXPECT_EQ(c.md, "60" + std::string(1, ref[260]) + "89");
  EXPECT_EQ(c.nm, 1);
  EXPECT_EQ(c.score, 149 - 4);
}

TEST_F(DpAlign, InsertionAndDeletion) {
  std::string read = ref.substr(200, 70) + "TTG" + ref.substr(270, 80);  // 3 bp inserted
  Case ins = run(read, ref);
  EXPECT_EQ(ins.nm, 3);
  EXPECT_EQ(ins.score, 150 - (6 + 3));
  EXPECT_EQ(ins.md, "150");
  EXPECT_NE(ins.cigar.find("3I"), std::string::npos) << ins.cigar;
  EXPECT_EQ(ins.pos, 200);

  std::string del = ref.substr(200, 70) + ref.substr(272, 80);  // 2 bp deleted after 70
  Case d = run(del, ref);
  EXPECT_EQ(d.nm, 2);
  EXPECT_EQ(d.score, 150 - (6 + 2));
  EXPECT_NE(d.cigar.find("2D"), std::string::npos) << d.cigar;
  // MD: matches, then ^ and the two deleted reference bases (placement may shift within a repeat).
  EXPECT_NE(d.md.find("^"), std::string::npos);
  EXPECT_EQ(d.pos, 200);
}

TEST_F(DpAlign, AdapterTailIsSoftClipped) {
  std::string read = ref.substr(100, 120) + random_dna(30, 99);
  Case c = run(read, ref);
  EXPECT_EQ(c.pos, 100);
  EXPECT_EQ(c.nm, 0);
  ASSERT_GE(c.cigar.size(), 3u);
  EXPECT_EQ(c.cigar.substr(c.cigar.size() - 1), "S");
  EXPECT_GE(c.score, 120);  // the aligned part may extend by a chance match into the adapter
}

TEST_F(DpAlign, MismatchNearEndIsAlignedNotClipped) {
  std::string read = ref.substr(300, 100);
  read[98] = read[98] == 'G' ? 'T' : 'G';  // local alignment alone would clip the last 2 bases
  Case c = run(read, ref);
  EXPECT_EQ(c.cigar, "100M");
  EXPECT_EQ(c.nm, 1);
  EXPECT_EQ(c.md, "98" + std::string(1, ref[398]) + "1");
}

TEST_F(DpAlign, ReverseStrand) {
  std::string read = reverse_complement(ref.substr(400, 150));
  DpAligner dp;
  dp.set_read(read, reverse_complement(read));
  DpHit fwd = dp.score(0, ref), rev = dp.score(1, ref);
  EXPECT_EQ(rev.score, 150);
  EXPECT_LT(fwd.score, 60);
  DpAlignment a = dp.align(1, ref, rev);
  EXPECT_EQ(a.target_begin, 400);
  EXPECT_EQ(cigar_string(a.cigar), "150M");
}

TEST(DpTags, FillAlignmentTagsFromHandCigar) {
  // ref:  ACGTACGTAC GTT ACGTACGT
  // read: ACGTACGTAC     ACCTACGT  (3-base deletion, one mismatch), 2 bases soft-clipped in front
  std::string target = "ACGTACGTACGTTACGTACGT";
  std::string read = "GGACGTACGTACACCTACGT";
  DpAlignment a;
  a.target_begin = 0;
  a.cigar = {(2u << 4) | 4, (10u << 4) | 0, (3u << 4) | 2, (8u << 4) | 0};
  fill_alignment_tags(read, target, DpScoring{}, a);
  EXPECT_EQ(a.md, "10^GTT2G5");
  EXPECT_EQ(a.edit_distance, 4);
  EXPECT_EQ(a.score, 17 - 4 - (6 + 3));
  EXPECT_EQ(a.target_end, 21);
  EXPECT_EQ(cigar_string(a.cigar), "2S10M3D8M");
}

}  // namespace
}  // namespace spindle

namespace spindle {
namespace {

// A reused aligner (the aligner keeps one per thread) votes and scores exactly like a fresh one:
// the previous read's seed filter bits and profiles do not leak into the next read.
TEST(DpReuse, DiagonalVotesAndScoresMatchAFreshAligner) {
  const std::string target = random_dna(700, 21);
  DpAligner reused;
  for (int r = 0; r < 6; ++r) {
    std::string read = r % 2 ? random_dna(150, 100 + r) : target.substr(100 * r, 150);
    if (r == 4) read = reverse_complement(read);
    DpAligner fresh;
    for (DpAligner* dp : {&reused, &fresh}) dp->set_read(read, reverse_complement(read));
    reused.set_read(read, reverse_complement(read));  // the same read again is a no-op
    DiagonalVotes a = reused.diagonal_votes(target), b = fresh.diagonal_votes(target);
    for (int s = 0; s < 2; ++s) {
      EXPECT_EQ(a.votes[s], b.votes[s]) << "read " << r;
      EXPECT_EQ(a.diagonal[s], b.diagonal[s]) << "read " << r;
      EXPECT_EQ(reused.score(s, target).score, fresh.score(s, target).score) << "read " << r;
    }
    if (r % 2 == 0) {  // a piece of the target: all 139 12-mers vote for its diagonal
      const int strand = r == 4 ? 1 : 0;
      EXPECT_EQ(a.votes[strand], 139) << "read " << r;
      EXPECT_EQ(a.diagonal[strand], 100 * r) << "read " << r;
      EXPECT_EQ(reused.score(strand, target).score, 150);
    } else {
      EXPECT_LE(a.votes[0] + a.votes[1], 2) << "read " << r;
    }
  }
}

}  // namespace
}  // namespace spindle

namespace spindle {
namespace {

// Issue 16: parasail answering NULL (it cannot allocate, or rejects its arguments) used to abort
// through SPINDLE_ASSERT; it is now an Error naming the failed call, one line.
TEST(DpParasailFailure, NullResultIsAnErrorNotAnAbort) {
  DpScoring bad;
  bad.gap_open = -10;  // parasail rejects a negative open penalty by returning NULL
  bad.gap_extend = 1;
  DpAligner dp(bad);
  const std::string read = random_dna(80, 3), target = random_dna(300, 4);
  dp.set_read(read, reverse_complement(read));
  try {
    dp.score(0, target);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("parasail"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  DpHit gapped;
  gapped.read_end = 79;
  gapped.target_end = 200;
  gapped.ungapped = false;
  EXPECT_THROW(dp.align(0, target, gapped), Error);
}

// 16-bit striped Smith-Waterman saturates at 32,767: a longer perfect match (3,400 bases at
// match 10 scores 34,000) must be scored and traced in 32 bits, not reported as 32,767.
TEST(DpSaturation, ScoresAbove16BitsAreExact) {
  DpScoring scoring;
  scoring.match = 10;
  DpAligner dp(scoring);
  const std::string read = random_dna(3400, 11);
  const std::string target = random_dna(50, 12) + read + random_dna(50, 13);
  dp.set_read(read, reverse_complement(read));
  DpHit hit = dp.score(0, target);
  EXPECT_EQ(hit.score, 34000);
  EXPECT_EQ(hit.target_end, 50 + 3400 - 1);
  DpAlignment a = dp.align(0, target, hit);
  EXPECT_EQ(cigar_string(a.cigar), "3400M");
  EXPECT_EQ(a.target_begin, 50);
  EXPECT_EQ(a.score, 34000);
}

}  // namespace
}  // namespace spindle
