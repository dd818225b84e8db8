// VectorStore with factory Int8Flat: scores within the quantisation bound of exact cosine, the same
// neighbours as Flat, persistence (manifest version 2, own file), merge, and clear errors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "index/vector_store.h"
#include "tests/index/index_test_data.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

namespace fs = std::filesystem;
using test::brute_force;
using test::clustered_vectors;
using test::expect_error;

BuildOptions int8_options() {
  BuildOptions o;
  o.factory = "Int8Flat";
  o.producer = "test vectors";
  return o;
}

// Sketch-like vectors: small signed integer counts, as the k-mer sketch encoder makes them.
Tensor count_vectors(int64_t n, int64_t d, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::poisson_distribution<int> count(0.6);
  std::bernoulli_distribution sign(0.5);
  Tensor t = Tensor::empty({n, d});
  for (int64_t i = 0; i < n * d; ++i)
    t.data<float>()[i] = static_cast<float>(sign(rng) ? count(rng) : -count(rng));
  return t;
}

double exact_cosine(const Tensor& a, int64_t i, const Tensor& b, int64_t j) {
  const int64_t d = a.dim(1);
  double dot = 0, na = 0, nb = 0;
  for (int64_t l = 0; l < d; ++l) {
    double x = a.data<float>()[i * d + l], y = b.data<float>()[j * d + l];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / std::sqrt(na * nb);
}

TEST(Int8Flat, CountVectorsAreStoredExactly) {
  // Vectors proportional to small integers (count sketches) keep their integers as codes.
  Tensor base = count_vectors(3000, 256, 1);
  Tensor queries = count_vectors(50, 256, 2);
  for (int64_t q = 0; q < 25; ++q)
    for (int64_t l = 0; l < 256; ++l)
      queries.data<float>()[q * 256 + l] += base.data<float>()[(100 * q) * 256 + l];
  SearchResult got = VectorStore::build(base, {}, int8_options()).search(queries, 10);
  SearchResult want = brute_force(base, queries, 10, Metric::cosine);
  for (int64_t q = 0; q < 50; ++q) {
    if (q < 25) EXPECT_EQ(got.id(q, 0), 100 * q);
    for (int64_t r = 0; r < 10; ++r)
      EXPECT_NEAR(got.score(q, r), want.score(q, r), 2e-6) << q << " " << r;
  }
}

TEST(Int8Flat, ScoresWithinQuantisationBoundOfExactCosine) {
  // Real-valued vectors are rounded to 127 levels: scores move by at most about 1e-2.
  Tensor base = clustered_vectors(3000, 256, 300, 1);
  Tensor queries = clustered_vectors(50, 256, 300, 2);
  // Queries that are noisy copies of stored vectors, so that there is a clear best match.
  for (int64_t q = 0; q < 25; ++q)
    for (int64_t l = 0; l < 256; ++l)
      queries.data<float>()[q * 256 + l] += base.data<float>()[(100 * q) * 256 + l];
  VectorStore store = VectorStore::build(base, {}, int8_options());
  SearchResult got = store.search(queries, 10);
  SearchResult want = brute_force(base, queries, 10, Metric::cosine);
  double worst = 0;
  for (int64_t q = 0; q < 50; ++q) {
    for (int64_t r = 0; r < 10; ++r)
      worst = std::max(worst,
                       std::fabs(got.score(q, r) - exact_cosine(queries, q, base, got.id(q, r))));
    // The best match found is as good as the true best, up to the quantisation error.
    EXPECT_GE(exact_cosine(queries, q, base, got.id(q, 0)), want.score(q, 0) - 1e-2)
        << "query " << q;
    if (q < 25) EXPECT_EQ(got.id(q, 0), 100 * q);
  }
  EXPECT_LT(worst, 1e-2);
  EXPECT_GE(test::recall_at_k(got, want), 0.9);
}

TEST(Int8Flat, VectorsOnTheCodeGridAreExact) {
  // Integer vectors whose largest entry is 63 are stored without rounding: scores equal Flat's.
  Tensor base = count_vectors(500, 64, 3), queries = count_vectors(8, 64, 4);
  for (Tensor* t : {&base, &queries})
    for (int64_t i = 0; i < t->dim(0); ++i) t->data<float>()[i * 64 + i % 64] = 63;
  SearchResult got = VectorStore::build(base, {}, int8_options()).search(queries, 5);
  SearchResult want = brute_force(base, queries, 5, Metric::cosine);
  for (int64_t q = 0; q < 8; ++q)
    for (int64_t r = 0; r < 5; ++r) {
      EXPECT_EQ(got.id(q, r), want.id(q, r));
      EXPECT_NEAR(got.score(q, r), want.score(q, r), 1e-5);
    }
}

TEST(Int8Flat, IdsZeroQueriesAndParallelSlicesAgree) {
  Tensor base = clustered_vectors(1000, 32, 10, 5), queries = clustered_vectors(700, 32, 10, 6);
  std::vector<int64_t> ids(1000);
  for (int64_t i = 0; i < 1000; ++i) ids[i] = 1000000 + 3 * i;
  VectorStore store = VectorStore::build(base, ids, int8_options());
  SearchResult all = store.search(queries, 4);  // 700 queries: several slices on several threads
  for (int64_t q : {0, 255, 256, 699}) {
    SearchResult one = store.search(queries.data<float>() + q * 32, 1, 4);
    for (int64_t r = 0; r < 4; ++r) {
      EXPECT_EQ(one.id(0, r), all.id(q, r));
      EXPECT_EQ(one.score(0, r), all.score(q, r));
      EXPECT_EQ((all.id(q, r) - 1000000) % 3, 0);
    }
  }
  std::vector<float> zero(32, 0.f);
  SearchResult z = store.search(zero.data(), 1, 3);
  for (int64_t r = 0; r < 3; ++r) {
    EXPECT_GE(z.id(0, r), 1000000);
    EXPECT_EQ(z.score(0, r), 0.f);
  }
}

TEST(Int8Flat, SaveOpenMergeAndVersions) {
  Tensor base = count_vectors(600, 48, 7), queries = count_vectors(10, 48, 8);
  VectorStore store = VectorStore::build(base, {}, int8_options());
  SearchResult before = store.search(queries, 6);
  std::string dir = test::temp_dir() + "/i8";
  store.save(dir);
  EXPECT_TRUE(fs::exists(dir + "/index.i8"));
  EXPECT_EQ(fs::file_size(dir + "/index.i8"), 28u + 600u * (48 + 4 + 8));
  VectorStore opened = VectorStore::open(dir);
  EXPECT_EQ(opened.manifest().format_version, 2);
  EXPECT_EQ(opened.factory(), "Int8Flat");
  EXPECT_EQ(opened.count(), 600);
  SearchResult after = opened.search(queries, 6);
  EXPECT_EQ(after.ids, before.ids);
  EXPECT_EQ(after.scores, before.scores);

  // Two halves merged answer like the whole.
  std::vector<int64_t> first_ids(300), second_ids(300);
  for (int64_t i = 0; i < 300; ++i) {
    first_ids[i] = i;
    second_ids[i] = 300 + i;
  }
  Tensor a = Tensor::empty({300, 48}), b = Tensor::empty({300, 48});
  std::copy_n(base.data<float>(), 300 * 48, a.data<float>());
  std::copy_n(base.data<float>() + 300 * 48, 300 * 48, b.data<float>());
  std::vector<VectorStore> parts;
  parts.push_back(VectorStore::build(a, first_ids, int8_options()));
  parts.push_back(VectorStore::build(b, second_ids, int8_options()));
  VectorStore merged = merge_stores(std::move(parts));
  EXPECT_EQ(merged.count(), 600);
  EXPECT_EQ(merged.search(queries, 6).ids, before.ids);

  // FAISS-format stores are still written as version 1, readable by spindles before Int8Flat.
  BuildOptions flat = int8_options();
  flat.factory = "Flat";
  const std::string flat_dir = test::temp_dir() + "/flat";
  VectorStore::build(base, {}, flat).save(flat_dir);
  EXPECT_EQ(VectorStore::open(flat_dir).manifest().format_version, 1);
}

TEST(Int8Flat, Errors) {
  BuildOptions l2 = int8_options();
  l2.metric = Metric::l2;
  expect_error([&] { VectorStore::create(16, l2); }, "Int8Flat supports only the cosine metric");

  VectorStore store = VectorStore::build(count_vectors(100, 16, 9), {}, int8_options());
  expect_error([&] { store.search(count_vectors(1, 16, 10), 1, {.nprobe = 4}); },
               "nprobe does not apply");
  std::string dir = test::temp_dir() + "/bad";
  store.save(dir);
  {  // a manifest claiming version 1 cannot name Int8Flat
    std::ifstream in(dir + "/manifest.json");
    auto j = nlohmann::json::parse(in);
    j["format_version"] = 1;
    std::ofstream(dir + "/manifest.json") << j.dump(2);
    expect_error([&] { VectorStore::open(dir); },
                 "factory Int8Flat needs manifest format version 2");
  }
  store.save(dir);
  fs::resize_file(dir + "/index.i8", fs::file_size(dir + "/index.i8") - 8);
  expect_error([&] { VectorStore::open(dir); }, "bytes but the manifest says");
  {  // a manifest that agrees with the short file: the file's own header catches it
    std::ifstream in(dir + "/manifest.json");
    auto j = nlohmann::json::parse(in);
    j["faiss_bytes"] = fs::file_size(dir + "/index.i8");
    std::ofstream(dir + "/manifest.json") << j.dump(2);
  }
  expect_error([&] { VectorStore::open(dir, {.verify_checksum = false}); }, "truncated or damaged");
}

}  // namespace
}  // namespace spindle
