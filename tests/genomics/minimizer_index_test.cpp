// Minimizers and the minimizer index: the sliding-window minimum against a brute-force one, the
// chunked multi-threaded build against a single pass, exact look-ups, strands, the file round
// trip, and the sparse candidate stage finding the windows reads come from.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>

#include "base/error.h"
#include "base/file_checksum.h"
#include "genomics/candidate_finder.h"
#include "genomics/fastx_reader.h"
#include "genomics/minimizer_index.h"
#include "genomics/minimizers.h"
#include "models/sequence.h"
#include "tests/genomics/random_dna.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

using test::random_dna;

uint64_t canonical(std::string_view kmer, bool* reverse) {
  uint64_t f = 0, r = 0;
  for (size_t i = 0; i < kmer.size(); ++i) {
    f = (f << 2) | static_cast<uint64_t>(base_code(kmer[i]));
    r = (r << 2) | static_cast<uint64_t>(3 - base_code(kmer[kmer.size() - 1 - i]));
  }
  *reverse = r < f;
  return std::min(f, r);
}

// Every full window of w k-mers (between N's) contributes its smallest-hash k-mer (leftmost on ties).
std::set<int64_t> brute_force_minimizers(const std::string& s, int k, int w) {
  std::set<int64_t> out;
  const int64_t n = static_cast<int64_t>(s.size());
  for (int64_t first = 0; first + k + w - 1 <= n; ++first) {
    if (s.substr(first, k + w - 1).find('N') != std::string::npos) continue;
    uint64_t best = ~0ull;
    int64_t best_pos = -1;
    for (int64_t p = first; p < first + w; ++p) {
      bool rev;
      uint64_t h = minimizer_hash(canonical(std::string_view(s).substr(p, k), &rev));
      if (h < best) best = h, best_pos = p;
    }
    out.insert(best_pos);
  }
  return out;
}

TEST(Minimizers, SlidingWindowMatchesBruteForce) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::string s = random_dna(500 + rng() % 500, rng);
    if (trial % 3 == 0) s.replace(200, 5, "NNNNN");
    if (trial % 4 == 0) s.replace(300, 40, std::string(40, 'A'));  // ties: a homopolymer
    const int k = 9 + trial % 13, w = 1 + trial % 15;
    std::set<int64_t> got;
    int64_t last = -1;
    for_each_minimizer(s, k, w, [&](int64_t pos, uint64_t hash, bool reverse) {
      EXPECT_GT(pos, last) << "positions increase, once each";
      last = pos;
      bool rev;
      EXPECT_EQ(hash, minimizer_hash(canonical(std::string_view(s).substr(pos, k), &rev)));
      EXPECT_EQ(reverse, rev);
      got.insert(pos);
    });
    std::set<int64_t> want = brute_force_minimizers(s, k, w);
    // Ties (the homopolymer) may add positions; every brute-force minimizer must be there.
    for (int64_t p : want) EXPECT_TRUE(got.count(p)) << "k " << k << " w " << w << " pos " << p;
    if (trial % 4 != 0) {
      EXPECT_EQ(got, want) << "k " << k << " w " << w;
    }
  }
}

TEST(Minimizers, ReverseComplementSharesMinimizersOnTheOtherStrand) {
  std::mt19937 rng(8);
  std::string s = random_dna(2000, rng), rc = reverse_complement(s);
  std::map<uint64_t, std::pair<int64_t, bool>> fwd;
  for_each_minimizer(s, 21, 11, [&](int64_t pos, uint64_t h, bool rev) { fwd[h] = {pos, rev}; });
  int shared = 0;
  for_each_minimizer(rc, 21, 11, [&](int64_t pos, uint64_t h, bool rev) {
    auto it = fwd.find(h);
    if (it == fwd.end()) return;
    ++shared;
    EXPECT_EQ(it->second.first, 2000 - pos - 21);
    EXPECT_NE(it->second.second, rev);
  });
  EXPECT_GT(shared, 250);  // ~2/(w+1) of 1980 k-mers
}

TEST(MinimizerIndex, ChunkedBuildEqualsASinglePassAndRoundTrips) {
  std::mt19937 rng(9);
  PackedReference ref;
  // Longer than one build chunk (1 Mb), with N runs and a second contig.
  std::string big = random_dna(2'600'000, rng);
  big.replace(1'048'570, 30, std::string(30, 'N'));
  ref.append("big", big);
  ref.append("small", random_dna(5000, rng));
  MinimizerParams params;
  MinimizerIndex index = MinimizerIndex::build(ref, params);
  uint64_t expected = 0;
  for (size_t c = 0; c < ref.contigs().size(); ++c) {
    std::string text;
    ref.fetch(static_cast<int32_t>(c), 0, ref.contigs()[c].length, text);
    const int64_t offset = ref.contigs()[c].offset;
    for_each_minimizer(text, params.k, params.w, [&](int64_t pos, uint64_t hash, bool reverse) {
      ++expected;
      auto occ = index.lookup(hash);
      bool found = false;
      for (auto& o : occ) found |= o.pos == offset + pos && o.reverse() == reverse;
      EXPECT_TRUE(found) << "contig " << c << " pos " << pos;
    });
  }
  EXPECT_EQ(index.occurrences(), expected);
  EXPECT_TRUE(index.lookup(minimizer_hash(12345)).empty());

  const std::string path = test::temp_dir() + "/mz.bin";
  const std::string checksum = index.save(path);
  EXPECT_EQ(checksum, file_checksum(path));
  MinimizerIndex back = MinimizerIndex::load(path, checksum);
  EXPECT_THROW(MinimizerIndex::load(path, "crc32:00000000"), Error);
  EXPECT_EQ(back.occurrences(), index.occurrences());
  std::string text;
  ref.fetch(1, 100, 400, text);
  for_each_minimizer(text, params.k, params.w, [&](int64_t, uint64_t hash, bool) {
    auto a = index.lookup(hash), b = back.lookup(hash);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].pos, b[i].pos);
  });
  std::ofstream(path, std::ios::binary | std::ios::app) << "x";
  EXPECT_THROW(MinimizerIndex::load(path), Error);
}

TEST(CandidateFinder, ReadsNameTheWindowTheyComeFrom) {
  const std::string dir = test::temp_dir() + "/cand.idx";
  std::mt19937 rng(10);
  Reference ref;
  ref.contigs.push_back({"one", random_dna(200'000, rng), 0});
  ref.contigs.push_back({"two", random_dna(30'000, rng), 0});
  RefIndex::build(ref, KmerSketchEncoder(), RefIndexOptions{}, dir);
  RefIndex index = RefIndex::open(dir);
  std::vector<WindowCandidate> found;
  for (int i = 0; i < 200; ++i) {
    const int c = i % 2;
    const std::string& g = ref.contigs[c].seq;
    const int64_t pos = rng() % (g.size() - 150);
    std::string read = g.substr(pos, 150);
    for (char& x : read)
      if (rng() % 50 == 0) x = x == 'A' ? 'C' : 'A';  // 2% substitutions
    const bool rev = i % 3 == 0;
    if (rev) read = reverse_complement(read);
    SeedStats stats = find_candidate_windows(index, read, CandidateOptions{}, found);
    ASSERT_FALSE(found.empty()) << "read " << i;
    EXPECT_GT(stats.minimizers, 15);
    const Window w = index.windows().window(found[0].window);
    EXPECT_EQ(w.contig, c);
    EXPECT_LE(w.start, pos);
    EXPECT_GE(w.end, pos + 150);
    EXPECT_EQ(found[0].strand, rev ? 1 : 0);
  }
  // A read from nowhere finds nothing.
  find_candidate_windows(index, random_dna(150, rng), CandidateOptions{}, found);
  EXPECT_TRUE(found.empty());
}

}  // namespace
}  // namespace spindle
