// VectorStore::score_ids, the re-ranking of chosen vectors without a scan: it must give the scores
// a search gives for the same vectors (Int8Flat and Flat), and refuse stores it cannot serve.
#include <gtest/gtest.h>

#include "index/vector_store.h"
#include "tests/index/index_test_data.h"

namespace spindle {
namespace {

TEST(ScoreIds, EqualsSearchScoresForInt8FlatAndFlat) {
  Tensor base = test::clustered_vectors(2000, 64, 10, 31);
  Tensor queries = test::clustered_vectors(20, 64, 10, 32);
  for (const char* factory : {"Int8Flat", "Flat"}) {
    BuildOptions options;
    options.factory = factory;
    VectorStore store = VectorStore::build(base, {}, options);
    SearchResult top = store.search(queries, 10);
    for (int64_t q = 0; q < 20; ++q) {
      std::vector<int64_t> ids(top.ids.begin() + q * 10, top.ids.begin() + q * 10 + 10);
      std::vector<float> scores(10);
      store.score_ids(queries.data<float>() + q * 64, ids.data(), 10, scores.data());
      for (int r = 0; r < 10; ++r) EXPECT_NEAR(scores[r], top.score(q, r), 1e-5) << factory << " query " << q;
    }
    const int64_t bad = 2000;
    float out = 0;
    EXPECT_THROW(store.score_ids(queries.data<float>(), &bad, 1, &out), Error) << factory;
  }
}

TEST(ScoreIds, RefusesStoresWithoutRowIdsOrFlatVectors) {
  Tensor base = test::clustered_vectors(500, 32, 5, 33);
  std::vector<int64_t> shuffled(500);
  for (int64_t i = 0; i < 500; ++i) shuffled[i] = (i * 7) % 500;
  BuildOptions flat;
  flat.factory = "Flat";
  VectorStore remapped = VectorStore::build(base, shuffled, flat);
  const int64_t id = 3;
  float out = 0;
  EXPECT_THROW(remapped.score_ids(base.data<float>(), &id, 1, &out), Error);
  BuildOptions hnsw;
  hnsw.factory = "HNSW16";
  VectorStore graph = VectorStore::build(base, {}, hnsw);
  EXPECT_THROW(graph.score_ids(base.data<float>(), &id, 1, &out), Error);
}

}  // namespace
}  // namespace spindle
