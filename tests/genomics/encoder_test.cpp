// The k-mer sketch encoder: strand invariance, and the property the aligner relies on: a read
// with 2% divergence lands nearest the reference window that contains it, on a real genome.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "base/error.h"
#include "genomics/encoder.h"
#include "genomics/fastx_reader.h"
#include "genomics/ref_index.h"
#include "models/sequence.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

std::string mutate(std::string s, double rate, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  for (char& c : s)
    if (u(rng) < rate) {
      const char* alt = "ACGT";
      char n;
      do n = alt[rng() % 4];
      while (n == c);
      c = n;
    }
  return s;
}

float dot(const float* a, const float* b, int n) {
  float s = 0;
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

TEST(KmerSketchEncoder, UnitVectorsAndStrandInvariance) {
  KmerSketchEncoder enc(14, 128);
  std::string s = "ACGTTGCAGGCTAGCTAGGATCGATCGGGATTACACGATCGATCGATGCTAGCTAGCTAGCATCGATGCA";
  std::vector<float> a(128), b(128), z(128);
  enc.encode_one(s, a.data());
  enc.encode_one(reverse_complement(s), b.data());
  EXPECT_NEAR(dot(a.data(), a.data(), 128), 1.0f, 1e-5);
  for (int i = 0; i < 128; ++i) EXPECT_EQ(a[i], b[i]);
  enc.encode_one("ACGTNNNNACGT", z.data());  // no complete 14-mer
  for (float v : z) EXPECT_EQ(v, 0.0f);
}

TEST(KmerSketchEncoder, DescriptionRoundTripsAndUnknownIsAnError) {
  KmerSketchEncoder enc(15, 64, 9);
  auto back = encoder_from_description(enc.description());
  EXPECT_EQ(back->description(), enc.description());
  EXPECT_EQ(back->dim(), 64);
  EXPECT_THROW(encoder_from_description("model:hyenadna"), Error);
}

// SARS-CoV-2 (bundled): 150 bp reads with 2% substitutions from random places and strands must
// have a window holding most of them as their nearest neighbour, and the window that contains
// them among the nearest eight, the aligner's default top-k (exhaustive cosine).
TEST(KmerSketchEncoder, DivergedReadIsNearestToItsWindowOnRealGenome) {
  Reference ref = load_reference(test::source_dir() + "/data/genomics/sarscov2_MN908947.fasta");
  const std::string& genome = ref.contigs[0].seq;
  KmerSketchEncoder enc;  // defaults used by `spindle index ref`
  auto windows = make_windows(ref, 300, 150);
  const int dim = enc.dim();
  std::vector<float> wv(windows.size() * dim);
  std::vector<std::string_view> views;
  for (auto& w : windows) views.emplace_back(genome.data() + w.start, w.end - w.start);
  enc.encode(views, wv.data());

  std::mt19937 rng(2024);
  const int reads = 300;
  int top1 = 0, top8 = 0;
  std::vector<float> q(dim);
  for (int r = 0; r < reads; ++r) {
    int64_t pos = rng() % (genome.size() - 150);
    std::string read = mutate(genome.substr(pos, 150), 0.02, rng);
    if (rng() % 2) read = reverse_complement(read);
    enc.encode_one(read, q.data());
    std::vector<std::pair<float, size_t>> scored;
    for (size_t w = 0; w < windows.size(); ++w) scored.push_back({dot(q.data(), &wv[w * dim], dim), w});
    std::partial_sort(scored.begin(), scored.begin() + 8, scored.end(), std::greater<>());
    auto contains = [&](size_t w) { return windows[w].start <= pos && pos + 150 <= windows[w].end; };
    // The nearest window must hold most of the read (the aligner adds a read length of flank on
    // each side, so the whole read is then inside its DP target).
    auto& best = windows[scored[0].second];
    if (std::min<int64_t>(best.end, pos + 150) - std::max<int64_t>(best.start, pos) >= 75) ++top1;
    for (int k = 0; k < 8; ++k)
      if (contains(scored[k].second)) {
        ++top8;
        break;
      }
  }
  EXPECT_GE(top1, reads * 99 / 100) << top1 << " of " << reads;
  EXPECT_GE(top8, reads * 99 / 100) << top8;  // 299 of 300 with the defaults (k = 11, dim 256)
}

// The same on a 1 Mb slice of E. coli (from ../shared), where there are ~6,700 windows to beat.
TEST(KmerSketchEncoder, DivergedReadIsNearestOnEcoliSlice) {
  SPINDLE_REQUIRE_SHARED();
  Reference ref = load_reference(test::shared_dir() + "/data/genomes/ecoli_K12_MG1655.fasta.gz");
  ref.contigs[0].seq.resize(1000000);
  const std::string& genome = ref.contigs[0].seq;
  KmerSketchEncoder enc;
  auto windows = make_windows(ref, 300, 150);
  const int dim = enc.dim();
  std::vector<float> wv(windows.size() * dim);
  std::vector<std::string_view> views;
  for (auto& w : windows) views.emplace_back(genome.data() + w.start, w.end - w.start);
  enc.encode(views, wv.data());
  std::mt19937 rng(7);
  const int reads = 100;
  int top8 = 0;
  std::vector<float> q(dim);
  for (int r = 0; r < reads; ++r) {
    int64_t pos = rng() % (genome.size() - 150);
    std::string read = mutate(genome.substr(pos, 150), 0.02, rng);
    enc.encode_one(read, q.data());
    std::vector<std::pair<float, size_t>> scored;
    for (size_t w = 0; w < windows.size(); ++w) scored.push_back({dot(q.data(), &wv[w * dim], dim), w});
    std::partial_sort(scored.begin(), scored.begin() + 8, scored.end(), std::greater<>());
    for (int k = 0; k < 8; ++k) {
      auto& w = windows[scored[k].second];
      if (w.start <= pos && pos + 150 <= w.end) {
        ++top8;
        break;
      }
    }
  }
  EXPECT_GE(top8, reads * 98 / 100) << top8;
}

}  // namespace
}  // namespace spindle
