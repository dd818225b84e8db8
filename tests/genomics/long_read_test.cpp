// Long reads: the banded DP pieces, then the long-read aligner end to end on a random genome:
// noisy reads on both strands land on their origin, a chimeric read splits into a primary and a
// supplementary record that name each other in SA tags, a read from nowhere stays unmapped.
#include <gtest/gtest.h>

#include <random>

#include "base/error.h"
#include "genomics/banded_align.h"
#include "genomics/long_read_aligner.h"
#include "models/sequence.h"
#include "tests/genomics/random_dna.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

using test::random_dna;

// Substitutions, insertions and deletions, each at a third of `rate`.
std::string noisy(const std::string& s, double rate, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  std::string out;
  for (char c : s) {
    const double r = u(rng);
    if (r < rate / 3) out += "ACGT"[(std::string("ACGT").find(c) + 1 + rng() % 3) % 4];
    else if (r < 2 * rate / 3) out += std::string(1, c) + "ACGT"[rng() % 4];
    else if (r >= rate) out += c;
  }
  return out;
}

int query_length(const std::vector<uint32_t>& cigar) {
  int n = 0;
  for (uint32_t op : cigar)
    if ((op & 0xf) == 0 || (op & 0xf) == 1 || (op & 0xf) == 4) n += op >> 4;
  return n;
}

TEST(BandedAlign, GlobalAndExtension) {
  DpScoring sc{2, 4, 4, 2, 1, 0};
  BandedResult same = banded_global("ACGTACGTAA", "ACGTACGTAA", sc, 8);
  EXPECT_EQ(same.score, 20);
  EXPECT_EQ(cigar_string(same.cigar), "10M");
  BandedResult ins = banded_global("ACGTTTTTACGTACGG", "ACGTTTTACGTACGG", sc, 8);
  EXPECT_EQ(cigar_string(ins.cigar).find('I') != std::string::npos, true) << cigar_string(ins.cigar);
  EXPECT_EQ(query_length(ins.cigar), 16);
  BandedResult del = banded_global("", "ACG", sc, 8);
  EXPECT_EQ(cigar_string(del.cigar), "3D");
  // An extension whose target runs out (a contig end) long before the read does.
  BandedResult short_target = banded_extend(std::string(500, 'A'), "AAAA", sc, 8);
  EXPECT_EQ(short_target.read_used, 4);
  EXPECT_EQ(short_target.target_used, 4);
  // Extension: a good start then junk; it stops where the score peaks.
  BandedResult ext = banded_extend("ACGTACGTACGTTTTTTTTTTTT", "ACGTACGTACGTGGGGGGGGGGGGGGG", sc, 8);
  EXPECT_EQ(ext.read_used, 12);
  EXPECT_EQ(ext.target_used, 12);
  EXPECT_EQ(cigar_string(ext.cigar), "12M");
}

class LongReadTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::mt19937 rng(21);
    ref_ = new Reference;
    ref_->contigs.push_back({"one", random_dna(300000, rng), 0});
    ref_->contigs.push_back({"two", random_dna(120000, rng), 0});
    dir_ = new std::string(test::temp_dir() + "/long.idx");
    RefIndex::build(*ref_, KmerSketchEncoder(), RefIndexOptions{}, *dir_);
  }
  static Reference* ref_;
  static std::string* dir_;
};
Reference* LongReadTest::ref_ = nullptr;
std::string* LongReadTest::dir_ = nullptr;

TEST_F(LongReadTest, NoisyReadsOnBothStrandsLandOnTheirOrigin) {
  RefIndex index = RefIndex::open(*dir_);
  LongReadAligner aligner(index, long_read_preset("map-pb"));
  std::mt19937 rng(5);
  for (int i = 0; i < 20; ++i) {
    const int c = i % 2;
    const std::string& g = ref_->contigs[c].seq;
    const int64_t len = 3000 + rng() % 5000, pos = rng() % (g.size() - len);
    SeqRecord read{"r" + std::to_string(i), "", noisy(g.substr(pos, len), 0.12, rng), ""};
    const bool rev = i % 3 == 0;
    if (rev) read.seq = reverse_complement(read.seq);
    std::vector<SamRecord> out;
    aligner.align(read, out);
    ASSERT_FALSE(out.empty());
    const SamRecord& p = out[0];
    ASSERT_FALSE(p.flag & 0x4) << read.name;
    EXPECT_EQ(p.tid, c) << read.name;
    EXPECT_EQ(bool(p.flag & 0x10), rev) << read.name;
    EXPECT_LT(std::llabs(p.pos - pos), 200) << read.name;
    EXPECT_GE(p.mapq, 20) << read.name;
    EXPECT_EQ(query_length(p.cigar), static_cast<int>(read.seq.size())) << read.name;
    EXPECT_GT(p.nm, 0);
    for (size_t j = 1; j < out.size(); ++j) EXPECT_TRUE(out[j].flag & 0x800);
  }
}

TEST_F(LongReadTest, HundredKilobaseReadScoresPast16Bits) {
  RefIndex index = RefIndex::open(*dir_);
  LongReadAligner aligner(index, long_read_preset("map-ont"));
  std::mt19937 rng(9);
  SeqRecord read{"r100k", "", noisy(ref_->contigs[0].seq.substr(150000, 100000), 0.08, rng), ""};
  std::vector<SamRecord> out;
  aligner.align(read, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tid, 0);
  EXPECT_LT(std::llabs(out[0].pos - 150000), 20);
  EXPECT_EQ(query_length(out[0].cigar), static_cast<int>(read.seq.size()));
  EXPECT_GT(out[0].as, 32767);  // would have overflowed a 16-bit DP
  EXPECT_EQ(out[0].mapq, 60);
}

TEST_F(LongReadTest, ChimericReadSplitsIntoPrimaryAndSupplementary) {
  RefIndex index = RefIndex::open(*dir_);
  LongReadAligner aligner(index, long_read_preset("map-hifi"));
  std::mt19937 rng(6);
  const std::string a = ref_->contigs[0].seq.substr(50000, 4000);
  const std::string b = reverse_complement(ref_->contigs[1].seq.substr(70000, 3000));
  SeqRecord read{"chimera", "", noisy(a, 0.01, rng) + noisy(b, 0.01, rng), ""};
  std::vector<SamRecord> out;
  aligner.align(read, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0].flag & 0x800);
  EXPECT_TRUE(out[1].flag & 0x800);
  EXPECT_EQ(out[0].tid, 0);  // the longer part is the primary
  EXPECT_LT(std::llabs(out[0].pos - 50000), 50);
  EXPECT_EQ(out[1].tid, 1);
  EXPECT_TRUE(out[1].flag & 0x10);
  EXPECT_LT(std::llabs(out[1].pos - 70000), 50);
  EXPECT_EQ(out[0].sa.rfind("two,", 0), 0u) << out[0].sa;
  EXPECT_EQ(out[1].sa.rfind("one,", 0), 0u) << out[1].sa;
  // Each part soft-clips the other: the second part's clip is at its end too, since a reverse-
  // strand record's CIGAR runs along the reverse complement of the read.
  EXPECT_EQ(out[0].cigar.back() & 0xf, 4u);
  EXPECT_EQ(out[1].cigar.back() & 0xf, 4u);
  EXPECT_GE(out[0].cigar.back() >> 4, 2900u);
  EXPECT_GE(out[1].cigar.back() >> 4, 3900u);
}

TEST_F(LongReadTest, ReadRunningOffAContigEndIsClipped) {
  RefIndex index = RefIndex::open(*dir_);
  LongReadAligner aligner(index, long_read_preset("map-ont"));
  std::mt19937 rng(8);
  const std::string& two = ref_->contigs[1].seq;
  SeqRecord read{"overhang", "", two.substr(two.size() - 3000) + random_dna(2500, rng), ""};
  std::vector<SamRecord> out;
  aligner.align(read, out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].tid, 1);
  EXPECT_EQ(out[0].pos, static_cast<int64_t>(two.size()) - 3000);
  EXPECT_EQ(out[0].cigar.back() & 0xf, 4u);
  EXPECT_GE(out[0].cigar.back() >> 4, 2400u);
}

TEST_F(LongReadTest, ReadFromNowhereIsUnmappedAndPresetsAreChecked) {
  RefIndex index = RefIndex::open(*dir_);
  LongReadAligner aligner(index, long_read_preset("map-ont"));
  std::mt19937 rng(7);
  SeqRecord read{"nowhere", "", random_dna(5000, rng), ""};
  std::vector<SamRecord> out;
  aligner.align(read, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].flag & 0x4);
  EXPECT_THROW(long_read_preset("map-rna"), UsageError);
}

}  // namespace
}  // namespace spindle
