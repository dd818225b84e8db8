// Shards: searching several stores equals searching one index over all their vectors; merging
// stores gives that one index.
#include <gtest/gtest.h>

#include "index/vector_store.h"
#include "tests/index/index_test_data.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

using test::clustered_vectors;

BuildOptions options_for(const std::string& factory, Metric metric = Metric::cosine) {
  BuildOptions o;
  o.factory = factory;
  o.metric = metric;
  o.producer = "shard test";
  return o;
}

std::vector<int64_t> ids_for(int64_t begin, int64_t end) {
  std::vector<int64_t> ids;
  for (int64_t i = begin; i < end; ++i) ids.push_back(10 * i + 3);
  return ids;
}

// Three Flat shards of unequal size over rows [0,700), [700,1900), [1900,3000).
std::vector<VectorStore> flat_shards(const Tensor& base, Metric metric) {
  std::vector<VectorStore> shards;
  for (auto [b, e] : {std::pair<int64_t, int64_t>{0, 700}, {700, 1900}, {1900, 3000}})
    shards.push_back(VectorStore::build(base.slice(b, e), ids_for(b, e), options_for("Flat", metric)));
  return shards;
}

class ShardMetric : public ::testing::TestWithParam<Metric> {};

TEST_P(ShardMetric, ShardSearchEqualsOneFlatIndex) {
  Tensor base = clustered_vectors(3000, 32, 25, 31);
  Tensor queries = clustered_vectors(50, 32, 25, 32);
  VectorStore whole = VectorStore::build(base, ids_for(0, 3000), options_for("Flat", GetParam()));
  std::vector<VectorStore> shards = flat_shards(base, GetParam());
  std::vector<const VectorStore*> views{&shards[0], &shards[1], &shards[2]};
  SearchResult one = whole.search(queries, 20);
  SearchResult merged = search_shards(views, queries, 20);
  EXPECT_EQ(merged.ids, one.ids);
  for (size_t i = 0; i < one.scores.size(); ++i) EXPECT_NEAR(merged.scores[i], one.scores[i], 1e-4f);
  // And both equal brute force.
  EXPECT_EQ(merged.ids, test::brute_force(base, queries, 20, GetParam(), ids_for(0, 3000)).ids);
}

INSTANTIATE_TEST_SUITE_P(Metrics, ShardMetric, ::testing::Values(Metric::cosine, Metric::l2),
                         [](const auto& info) { return std::string(metric_name(info.param)); });

TEST(Shards, KMayExceedAShardButNotTheTotal) {
  Tensor base = clustered_vectors(30, 8, 3, 33);
  std::vector<VectorStore> shards;
  shards.push_back(VectorStore::build(base.slice(0, 5), ids_for(0, 5), options_for("Flat")));
  shards.push_back(VectorStore::build(base.slice(5, 30), ids_for(5, 30), options_for("Flat")));
  std::vector<const VectorStore*> views{&shards[0], &shards[1]};
  SearchResult r = search_shards(views, base.slice(0, 2), 30);
  for (int64_t q = 0; q < 2; ++q) {
    std::vector<int64_t> row(r.ids.begin() + q * 30, r.ids.begin() + (q + 1) * 30);
    std::sort(row.begin(), row.end());
    EXPECT_EQ(row, ids_for(0, 30));  // k = total returns every vector once
  }
  EXPECT_THROW(search_shards(views, base.slice(0, 2), 31), Error);
}

TEST(Shards, MismatchedShardsAreRejected) {
  Tensor a = clustered_vectors(20, 8, 2, 34), b = clustered_vectors(20, 16, 2, 35);
  VectorStore s8 = VectorStore::build(a, {}, options_for("Flat"));
  VectorStore s16 = VectorStore::build(b, {}, options_for("Flat"));
  VectorStore l2 = VectorStore::build(a, {}, options_for("Flat", Metric::l2));
  EXPECT_THROW(search_shards({&s8, &s16}, a, 1), Error);
  EXPECT_THROW(search_shards({&s8, &l2}, a, 1), Error);
}

TEST(Merge, FlatMergeEqualsOneIndex) {
  Tensor base = clustered_vectors(3000, 32, 25, 36);
  Tensor queries = clustered_vectors(30, 32, 25, 37);
  VectorStore merged = merge_stores(flat_shards(base, Metric::cosine));
  EXPECT_EQ(merged.count(), 3000);
  EXPECT_EQ(merged.search(queries, 10).ids,
            test::brute_force(base, queries, 10, Metric::cosine, ids_for(0, 3000)).ids);
  // It survives a save/open round trip with the merged count in its manifest.
  std::string dir = test::temp_dir() + "/merged";
  merged.save(dir);
  VectorStore opened = VectorStore::open(dir);
  EXPECT_EQ(opened.manifest().count, 3000);
  EXPECT_EQ(opened.producer(), "shard test");
}

TEST(Merge, HnswShardsAreRebuiltFromTheirExactVectors) {
  Tensor base = clustered_vectors(1200, 16, 10, 38);
  std::vector<VectorStore> shards;
  BuildOptions o = options_for("HNSW16");
  o.hnsw_ef_search = 40;
  shards.push_back(VectorStore::build(base.slice(0, 500), ids_for(0, 500), o));
  shards.push_back(VectorStore::build(base.slice(500, 1200), ids_for(500, 1200), o));
  VectorStore merged = merge_stores(std::move(shards));
  ASSERT_EQ(merged.count(), 1200);
  EXPECT_EQ(merged.manifest().ef_search, 40);  // the rebuilt graph keeps the shards' search default
  SearchResult self = merged.search(base, 1, {.ef_search = 64});
  int64_t hits = 0;
  for (int64_t i = 0; i < 1200; ++i) hits += self.id(i, 0) == 10 * i + 3;
  EXPECT_GE(hits, 1190);
}

class IvfMerge : public ::testing::TestWithParam<std::string> {};

TEST_P(IvfMerge, ShardsFromOneTrainingMergeExactly) {
  Tensor base = clustered_vectors(3000, 16, 20, 39);
  Tensor queries = clustered_vectors(20, 16, 20, 40);
  VectorStore trained = VectorStore::build(base.slice(0, 1500), ids_for(0, 1500), options_for(GetParam()));
  VectorStore second = VectorStore::empty_like(trained);
  second.add(base.slice(1500, 3000), ids_for(1500, 3000));
  std::vector<const VectorStore*> views{&trained, &second};
  SearchResult sharded = search_shards(views, queries, 10, {.nprobe = 8});
  std::vector<VectorStore> parts;
  parts.push_back(std::move(trained));
  parts.push_back(std::move(second));
  VectorStore merged = merge_stores(std::move(parts));
  EXPECT_EQ(merged.count(), 3000);
  SearchResult one = merged.search(queries, 10, {.nprobe = 8});
  // PQ distances are quantised, so equal scores are common and their order is arbitrary: the
  // scores must agree rank by rank, the ids wherever the score is not tied.
  EXPECT_EQ(one.scores, sharded.scores);
  if (GetParam().find("PQ") == std::string::npos) EXPECT_EQ(one.ids, sharded.ids);
}

INSTANTIATE_TEST_SUITE_P(Factories, IvfMerge, ::testing::Values("IVF8,Flat", "IVF8,PQ4x4np"), [](const auto& info) {
  return info.param.find("PQ") == std::string::npos ? std::string("IvfFlat") : std::string("IvfPq");
});

TEST(Merge, SeparatelyTrainedIvfFlatIsRebuilt) {
  Tensor base = clustered_vectors(2000, 16, 10, 41);
  std::vector<VectorStore> shards;
  shards.push_back(VectorStore::build(base.slice(0, 1000), ids_for(0, 1000), options_for("IVF8,Flat")));
  shards.push_back(VectorStore::build(base.slice(1000, 2000), ids_for(1000, 2000), options_for("IVF8,Flat")));
  VectorStore merged = merge_stores(std::move(shards));
  EXPECT_EQ(merged.count(), 2000);
  Tensor queries = clustered_vectors(10, 16, 10, 42);
  EXPECT_EQ(merged.search(queries, 5, {.nprobe = 8}).ids,
            test::brute_force(base, queries, 5, Metric::cosine, ids_for(0, 2000)).ids);
}

TEST(Merge, SeparatelyTrainedPqIsAnError) {
  Tensor base = clustered_vectors(2000, 16, 10, 43);
  std::vector<VectorStore> shards;
  shards.push_back(VectorStore::build(base.slice(0, 1000), {}, options_for("IVF8,PQ4x4np")));
  shards.push_back(VectorStore::build(base.slice(1000, 2000), {}, options_for("IVF8,PQ4x4np")));
  try {
    merge_stores(std::move(shards));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("trained separately"), std::string::npos) << e.what();
  }
}

TEST(Merge, ProducerOrFactoryMismatchIsAnError) {
  Tensor base = clustered_vectors(100, 8, 2, 44);
  std::vector<VectorStore> parts;
  parts.push_back(VectorStore::build(base, {}, options_for("Flat")));
  BuildOptions other = options_for("Flat");
  other.producer = "another encoder";
  parts.push_back(VectorStore::build(base, {}, other));
  EXPECT_THROW(merge_stores(std::move(parts)), Error);
  std::vector<VectorStore> parts2;
  parts2.push_back(VectorStore::build(base, {}, options_for("Flat")));
  parts2.push_back(VectorStore::build(base, {}, options_for("HNSW16")));
  EXPECT_THROW(merge_stores(std::move(parts2)), Error);
}

}  // namespace
}  // namespace spindle
