// SimdFlatStorage: spindle's vectorised distances under FAISS's HNSW graph. The distances match a
// double-precision reference, HNSW searches through it return true scores, and the storage is
// written as a plain flat index and swapped in again after reading.
#include "index/simd_flat_storage.h"

#include <faiss/IndexHNSW.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <vector>

namespace spindle::detail {
namespace {

std::vector<float> gaussian(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> v(n);
  for (auto& x : v) x = g(rng);
  return v;
}

TEST(SimdFlatStorage, DistancesMatchADoubleReference) {
  for (size_t d : {1, 3, 17, 64, 255, 256, 1000}) {
    std::vector<float> a = gaussian(d, 1), b = gaussian(d, 2);
    double dot = 0, l2 = 0;
    for (size_t i = 0; i < d; ++i) {
      dot += double(a[i]) * b[i];
      l2 += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    }
    EXPECT_NEAR(simd_inner_product(a.data(), b.data(), d), dot, 1e-5 * (1 + std::abs(dot) + d / 16.0)) << d;
    EXPECT_NEAR(simd_l2_squared(a.data(), b.data(), d), l2, 1e-5 * (1 + l2)) << d;
  }
}

class SimdHnsw : public ::testing::TestWithParam<faiss::MetricType> {};

TEST_P(SimdHnsw, SearchesWithTrueScoresAndSurvivesARoundTrip) {
  const int d = 48, n = 2000, nq = 20, k = 5;
  std::vector<float> base = gaussian(size_t(n) * d, 3), queries = gaussian(size_t(nq) * d, 4);
  faiss::IndexHNSWFlat index(d, 16, GetParam());
  index.add(n, base.data());
  use_simd_flat_storage(&index);
  ASSERT_NE(dynamic_cast<SimdFlatStorage*>(index.storage), nullptr);
  EXPECT_EQ(index.storage->ntotal, n);

  std::vector<float> scores(nq * k);
  std::vector<faiss::Index::idx_t> ids(nq * k);
  index.search(nq, queries.data(), k, scores.data(), ids.data());
  for (int q = 0; q < nq; ++q)
    for (int r = 0; r < k; ++r) {
      const float* x = base.data() + ids[q * k + r] * d;
      const float* y = queries.data() + q * d;
      const float want = GetParam() == faiss::METRIC_INNER_PRODUCT ? simd_inner_product(x, y, d) : simd_l2_squared(x, y, d);
      EXPECT_NEAR(scores[q * k + r], want, 1e-4) << "query " << q << " rank " << r;
    }

  // FAISS writes it as a flat index; after reading, the swap gives the same answers.
  faiss::VectorIOWriter writer;
  faiss::write_index(&index, &writer);
  faiss::VectorIOReader reader;
  reader.data = writer.data;
  std::unique_ptr<faiss::Index> read(faiss::read_index(&reader));
  auto* hnsw = dynamic_cast<faiss::IndexHNSW*>(read.get());
  ASSERT_NE(hnsw, nullptr);
  EXPECT_EQ(dynamic_cast<SimdFlatStorage*>(hnsw->storage), nullptr);
  use_simd_flat_storage(read.get());
  ASSERT_NE(dynamic_cast<SimdFlatStorage*>(hnsw->storage), nullptr);
  std::vector<float> scores2(nq * k);
  std::vector<faiss::Index::idx_t> ids2(nq * k);
  read->search(nq, queries.data(), k, scores2.data(), ids2.data());
  EXPECT_EQ(ids2, ids);
  EXPECT_EQ(scores2, scores);
  use_simd_flat_storage(read.get());  // a second call changes nothing
  EXPECT_EQ(hnsw->storage->ntotal, n);
}

INSTANTIATE_TEST_SUITE_P(Metrics, SimdHnsw, ::testing::Values(faiss::METRIC_INNER_PRODUCT, faiss::METRIC_L2),
                         [](const auto& info) { return info.param == faiss::METRIC_L2 ? "L2" : "InnerProduct"; });

}  // namespace
}  // namespace spindle::detail
