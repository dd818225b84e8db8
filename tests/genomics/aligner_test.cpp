// The aligner end to end in the library: a real index of the bundled SARS-CoV-2 genome, simulated
// single and paired reads with known origin, SAM fields and pair flags checked, and the BAM read
// back through htslib.
#include <gtest/gtest.h>
#include <htslib/sam.h>

#include <random>

#include "base/error.h"
#include "genomics/aligner.h"
#include "genomics/sam_writer.h"
#include "models/sequence.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

std::string mutate(std::string s, double rate, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  for (char& c : s)
    if (u(rng) < rate) c = c == 'A' ? 'C' : 'A';
  return s;
}

class AlignerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(test::temp_dir() + "/sc2.idx");
    Reference ref = load_reference(test::source_dir() + "/data/genomics/sarscov2_MN908947.fasta");
    RefIndex::build(ref, KmerSketchEncoder(), RefIndexOptions{}, *dir_);
  }
  static const std::string& genome() {
    static const std::string seq =
        load_reference(test::source_dir() + "/data/genomics/sarscov2_MN908947.fasta").contigs[0].seq;
    return seq;
  }
  static std::string* dir_;
};
std::string* AlignerTest::dir_ = nullptr;

TEST_F(AlignerTest, IndexRecordsEncoderWindowsAndReference) {
  RefIndex index = RefIndex::open(*dir_);
  EXPECT_EQ(index.manifest().encoder, KmerSketchEncoder().description());
  EXPECT_EQ(index.manifest().window_bp, 300);
  EXPECT_EQ(index.manifest().stride_bp, 150);
  EXPECT_EQ(index.windows().count(), 199);  // ceil((29903 - 300) / 150) + 1
  EXPECT_EQ(index.store().count(), 199);
  EXPECT_EQ(index.reference().contig_length(0), 29903);
  EXPECT_EQ(index.reference().contigs()[0].crc32, sequence_crc32(genome()));
  EXPECT_GT(index.minimizers().occurrences(), 29903u / 12);  // ~2/(w+1) of the positions
  EXPECT_LT(index.minimizers().occurrences(), 29903u / 4);
}

TEST_F(AlignerTest, SingleEndReadsLandAtTheirOrigin) {
  RefIndex index = RefIndex::open(*dir_);
  const std::string& genome = AlignerTest::genome();
  std::mt19937 rng(11);
  std::vector<SeqRecord> reads;
  std::vector<std::pair<int64_t, bool>> truth;
  for (int i = 0; i < 400; ++i) {
    int64_t pos = rng() % (genome.size() - 150);
    bool rev = rng() % 2;
    SeqRecord r;
    r.name = "r" + std::to_string(i);
    r.seq = mutate(genome.substr(pos, 150), 0.01, rng);
    if (rev) r.seq = reverse_complement(r.seq);
    r.qual.assign(150, 'I');
    reads.push_back(r);
    truth.push_back({pos, rev});
  }
  Aligner aligner(index, {});
  std::vector<SamRecord> out;
  aligner.align_single(reads, out);
  ASSERT_EQ(out.size(), reads.size());
  int correct = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].name, reads[i].name);
    EXPECT_FALSE(out[i].flag & 0x4);
    correct += std::llabs(out[i].pos - truth[i].first) <= 20 && bool(out[i].flag & 0x10) == truth[i].second;
    EXPECT_GE(out[i].nm, 0);
    EXPECT_FALSE(out[i].md.empty());
  }
  EXPECT_EQ(correct, 400);
}

TEST_F(AlignerTest, PairsHaveSymmetricFlagsAndMateFields) {
  RefIndex index = RefIndex::open(*dir_);
  const std::string& genome = AlignerTest::genome();
  std::mt19937 rng(5);
  std::normal_distribution<double> fragment(350, 30);
  std::vector<SeqRecord> m1, m2;
  std::vector<int64_t> start;
  for (int i = 0; i < 300; ++i) {
    int64_t len = static_cast<int64_t>(fragment(rng));
    int64_t pos = rng() % (genome.size() - len);
    SeqRecord a, b;
    a.name = b.name = "p" + std::to_string(i);
    a.seq = mutate(genome.substr(pos, 150), 0.01, rng);
    b.seq = reverse_complement(mutate(genome.substr(pos + len - 150, 150), 0.01, rng));
    if (i == 7) b.seq = std::string(150, 'N');  // an unplaceable mate
    m1.push_back(a);
    m2.push_back(b);
    start.push_back(pos);
  }
  Aligner aligner(index, {});
  std::vector<SamRecord> out;
  aligner.align_pairs(m1, m2, out);
  ASSERT_EQ(out.size(), 600u);
  const InsertModel& m = aligner.insert_model();
  ASSERT_TRUE(m.known);
  EXPECT_NEAR(m.mean, 350, 15);
  EXPECT_NEAR(m.sd, 30, 10);
  int proper = 0, correct = 0;
  for (size_t i = 0; i < 300; ++i) {
    const SamRecord &a = out[2 * i], &b = out[2 * i + 1];
    EXPECT_EQ(a.name, b.name);
    EXPECT_TRUE(a.flag & 0x1 && a.flag & 0x40 && !(a.flag & 0x80));
    EXPECT_TRUE(b.flag & 0x1 && b.flag & 0x80 && !(b.flag & 0x40));
    EXPECT_EQ(a.flag & 0x2, b.flag & 0x2) << "proper-pair flag must be symmetric, pair " << i;
    EXPECT_EQ(bool(a.flag & 0x4), bool(b.flag & 0x8));
    EXPECT_EQ(bool(b.flag & 0x4), bool(a.flag & 0x8));
    EXPECT_EQ(a.mate_pos, b.pos);
    EXPECT_EQ(b.mate_pos, a.pos);
    EXPECT_EQ(a.insert_size, -b.insert_size);
    if (!(a.flag & 0x4) && !(b.flag & 0x4)) {
      EXPECT_EQ(bool(a.flag & 0x20), bool(b.flag & 0x10));
      EXPECT_EQ(bool(b.flag & 0x20), bool(a.flag & 0x10));
    }
    proper += (a.flag & 0x2) != 0;
    correct += std::llabs(a.pos - start[i]) <= 20;
  }
  const SamRecord &anchor = out[14], &lost = out[15];
  EXPECT_TRUE(lost.flag & 0x4);
  EXPECT_FALSE(anchor.flag & 0x2);
  EXPECT_EQ(lost.pos, anchor.pos);  // an unmapped mate is placed at its partner
  EXPECT_EQ(lost.tid, anchor.tid);
  EXPECT_GE(proper, 295);
  EXPECT_GE(correct, 297);
}

TEST(MappingQuality, BwaStyleValues) {
  DpScoring s;
  EXPECT_EQ(mapping_quality(150, -1, 150, s, 30), 60);
  EXPECT_EQ(mapping_quality(150, 150, 150, s, 30), 0);   // a perfect repeat
  EXPECT_EQ(mapping_quality(25, -1, 25, s, 30), 0);      // below the minimum score
  int q = mapping_quality(150, 145, 150, s, 30);       // one mismatch apart
  EXPECT_GT(q, 0);
  EXPECT_LT(q, 30);
}

TEST(InsertModel, EstimateIgnoresOutliers) {
  std::vector<int64_t> v;
  for (int i = 0; i < 200; ++i) v.push_back(300 + (i % 21) - 10);
  v.push_back(50000);
  InsertModel m = estimate_insert_model(v);
  ASSERT_TRUE(m.known);
  EXPECT_NEAR(m.mean, 300, 1);
  EXPECT_LT(m.sd, 10);
  EXPECT_LT(m.high, 400);
  EXPECT_FALSE(estimate_insert_model({100, 200}).known);
}

TEST(SamWriter, BamRoundTripWithHeaderTagsAndReverseStrand) {
  PackedReference ref;
  ref.append("chrT", std::string(1000, 'A'));
  std::string path = test::temp_dir() + "/out.bam";
  SamHeaderInfo info{"9.9", "spindle align x y", "@RG\\tID:grp\\tSM:s1", ""};
  std::string seq = "AACCGGTTAC", qual = "ABCDEFGHIJ";
  {
    SamWriter w(path, ref, info, 1);
    SamRecord r;
    r.name = "q1";
    r.flag = 0x10;
    r.tid = 0;
    r.pos = 41;
    r.mapq = 37;
    r.cigar = {(10u << 4) | 0};
    r.seq = &seq;
    r.qual = &qual;
    r.nm = 2;
    r.as = 3;
    r.xs = 1;
    r.md = "4A4C0";
    w.write(r);
    w.close();
  }
  samFile* in = sam_open(path.c_str(), "r");
  ASSERT_NE(in, nullptr);
  sam_hdr_t* h = sam_hdr_read(in);
  std::string text = sam_hdr_str(h);
  EXPECT_NE(text.find("@SQ\tSN:chrT\tLN:1000"), std::string::npos);
  EXPECT_NE(text.find("@RG\tID:grp\tSM:s1"), std::string::npos);
  EXPECT_NE(text.find("@PG\tID:spindle\tPN:spindle\tVN:9.9\tCL:spindle align x y"), std::string::npos);
  bam1_t* b = bam_init1();
  ASSERT_GE(sam_read1(in, h, b), 0);
  EXPECT_EQ(b->core.pos, 41);
  EXPECT_EQ(b->core.qual, 37);
  std::string stored;
  for (int i = 0; i < b->core.l_qseq; ++i) stored += seq_nt16_str[bam_seqi(bam_get_seq(b), i)];
  EXPECT_EQ(stored, "GTAACCGGTT");                // reverse complement of the read
  EXPECT_EQ(bam_get_qual(b)[0], 'J' - 33);        // qualities reversed
  EXPECT_EQ(bam_aux2i(bam_aux_get(b, "NM")), 2);
  EXPECT_STREQ(bam_aux2Z(bam_aux_get(b, "MD")), "4A4C0");
  EXPECT_STREQ(bam_aux2Z(bam_aux_get(b, "RG")), "grp");
  EXPECT_EQ(bam_aux2i(bam_aux_get(b, "XS")), 1);
  bam_destroy1(b);
  sam_hdr_destroy(h);
  sam_close(in);
}

TEST(SamWriter, BadReadGroupIsAUsageError) {
  std::string id;
  EXPECT_THROW(parse_read_group("ID:x", &id), UsageError);
  EXPECT_THROW(parse_read_group("@RG\\tSM:x", &id), UsageError);
  EXPECT_EQ(parse_read_group("@RG\\tID:a\\tSM:b", &id), "@RG\tID:a\tSM:b");
  EXPECT_EQ(id, "a");
}

}  // namespace
}  // namespace spindle
