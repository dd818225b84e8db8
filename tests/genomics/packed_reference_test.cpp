// The 2-bit reference: what goes in comes back (N runs, contig edges), files round-trip, and a
// damaged file or a reference without bases is a one-line error.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "base/error.h"
#include "base/file_checksum.h"
#include "genomics/packed_reference.h"
#include "genomics/reference.h"
#include "genomics/window_layout.h"
#include "tests/genomics/random_dna.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

using test::random_dna;

TEST(PackedReference, FetchReturnsTheTextWithItsNRuns) {
  std::mt19937 rng(1);
  std::string a = random_dna(1001, rng, 0.01) + std::string(37, 'N') + random_dna(50, rng);
  std::string b = "NNNN" + random_dna(3, rng);
  PackedReference ref;
  ref.append("a", a);
  ref.append("b", b);
  EXPECT_EQ(ref.total_length(), static_cast<int64_t>(a.size() + b.size()));
  EXPECT_EQ(ref.contigs()[1].offset, static_cast<int64_t>(a.size()));
  EXPECT_EQ(ref.contigs()[0].crc32, sequence_crc32(a));
  std::string out;
  EXPECT_EQ(ref.fetch(0, 0, static_cast<int64_t>(a.size()), out), a);
  EXPECT_EQ(ref.fetch(1, 0, 7, out), b);
  for (int i = 0; i < 200; ++i) {
    int64_t begin = rng() % a.size(), end = begin + rng() % 300;
    EXPECT_EQ(ref.fetch(0, begin, end, out), a.substr(begin, end - begin));
  }
  EXPECT_EQ(ref.fetch(0, -5, 3, out), a.substr(0, 3));  // clamped to the contig
  EXPECT_EQ(ref.contig_at(0), 0);
  EXPECT_EQ(ref.contig_at(static_cast<int64_t>(a.size())), 1);
  EXPECT_EQ(ref.fetch(1, 0, 1, out), "N");  // global position a.size(): b's first base
  EXPECT_EQ(ref.acgt_bases(), static_cast<int64_t>(std::count_if(a.begin(), a.end(), [](char c) { return c != 'N'; }) + 3));
}

TEST(PackedReference, FileRoundTripAndDamage) {
  std::mt19937 rng(2);
  PackedReference ref;
  ref.append("chr1", random_dna(5000, rng, 0.02));
  ref.append("chr2", random_dna(77, rng));
  const std::string path = test::temp_dir() + "/ref.2bit";
  const std::string checksum = ref.save(path);
  EXPECT_EQ(checksum, file_checksum(path));  // taken while writing, equal to reading it back
  PackedReference back = PackedReference::load(path, checksum);
  ASSERT_EQ(back.contigs().size(), 2u);
  EXPECT_EQ(back.contigs()[1].name, "chr2");
  std::string x, y;
  EXPECT_EQ(back.fetch(0, 0, 5000, x), ref.fetch(0, 0, 5000, y));
  EXPECT_EQ(back.contigs()[0].crc32, ref.contigs()[0].crc32);

  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(path + ".cut", std::ios::binary).write(bytes.data(), bytes.size() - 10);
  try {
    PackedReference::load(path + ".cut");
    FAIL() << "truncated file accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  bytes[0] = 'X';
  std::ofstream(path + ".bad", std::ios::binary).write(bytes.data(), bytes.size());
  EXPECT_THROW(PackedReference::load(path + ".bad"), Error);
}

TEST(PackedReference, PackFastaRejectsReferencesWithoutBasesAndRepeatedNames) {
  const std::string dir = test::temp_dir();
  std::ofstream(dir + "/only_n.fa") << ">x\nNNNNRYNN\n";
  try {
    pack_fasta(dir + "/only_n.fa");
    FAIL() << "a reference of N accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("only_n.fa: no A, C, G or T"), std::string::npos) << e.what();
  }
  std::ofstream(dir + "/dup.fa") << ">x\nACGT\n>x\nACGT\n";
  EXPECT_THROW(pack_fasta(dir + "/dup.fa"), Error);
  std::ofstream(dir + "/bad.fa") << ">x\nACGT!!\n";
  EXPECT_THROW(pack_fasta(dir + "/bad.fa"), Error);
  std::ofstream(dir + "/iupac.fa") << ">x\nACGTRYacgt\n";
  std::string out;
  EXPECT_EQ(pack_fasta(dir + "/iupac.fa").fetch(0, 0, 10, out), "ACGTNNACGT");
}

TEST(WindowLayout, MatchesTheWindowsCutOneByOne) {
  const std::vector<int64_t> lengths = {29903, 100, 300, 301, 451};
  WindowLayout layout(lengths, 300, 150);
  // Reference windows: starts at multiples of 150 while start + 300 < length, then one at the end.
  std::vector<Window> expected;
  for (size_t c = 0; c < lengths.size(); ++c) {
    int64_t s = 0;
    for (; s + 300 < lengths[c]; s += 150) expected.push_back({int32_t(c), s, s + 300});
    expected.push_back({int32_t(c), std::max<int64_t>(0, lengths[c] - 300), lengths[c]});
  }
  ASSERT_EQ(layout.count(), static_cast<int64_t>(expected.size()));
  for (int64_t id = 0; id < layout.count(); ++id) {
    Window w = layout.window(id);
    EXPECT_EQ(w.contig, expected[id].contig);
    EXPECT_EQ(w.start, expected[id].start);
    EXPECT_EQ(w.end, expected[id].end);
  }
  for (int64_t pos : {0, 149, 150, 29602, 29700, 29902}) {
    Window w = layout.window(layout.window_at(0, pos));
    EXPECT_LE(w.start, pos);
    EXPECT_GT(w.end, pos);
  }
  EXPECT_THROW(WindowLayout(lengths, 10, 5), Error);
}

}  // namespace
}  // namespace spindle
