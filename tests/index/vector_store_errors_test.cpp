// VectorStore errors: every user mistake is one spindle::Error naming the file or the problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "index/vector_store.h"
#include "tests/index/index_test_data.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

namespace fs = std::filesystem;
using test::clustered_vectors;
using test::expect_error;

BuildOptions flat() {
  BuildOptions o;
  o.factory = "Flat";
  return o;
}

std::string saved_store(const std::string& factory = "Flat") {
  BuildOptions o;
  o.factory = factory;
  std::string dir = test::temp_dir() + "/store";
  VectorStore::build(clustered_vectors(1000, 16, 8, 21), {}, o).save(dir);
  return dir;
}

void rewrite_manifest(const std::string& dir, const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j;
  {
    std::ifstream in(dir + "/manifest.json");
    j = nlohmann::json::parse(in);
  }
  edit(j);
  std::ofstream(dir + "/manifest.json") << j.dump(2);
}

TEST(VectorStoreErrors, DimensionMismatch) {
  VectorStore store = VectorStore::build(clustered_vectors(100, 16, 3, 1), {}, flat());
  expect_error([&] { store.search(clustered_vectors(2, 8, 1, 2), 1); }, "dimension mismatch");
  expect_error([&] { store.add(clustered_vectors(2, 12, 1, 2)); }, "dimension mismatch");
}

TEST(VectorStoreErrors, KOutOfRange) {
  VectorStore store = VectorStore::build(clustered_vectors(10, 8, 2, 3), {}, flat());
  expect_error([&] { store.search(clustered_vectors(1, 8, 1, 4), 11); }, "k = 11 is larger than the index (10 vectors)");
  expect_error([&] { store.search(clustered_vectors(1, 8, 1, 4), 0); }, "k must be at least 1");
}

TEST(VectorStoreErrors, SearchOrAddBeforeTraining) {
  BuildOptions o;
  o.factory = "IVF8,Flat";
  VectorStore store = VectorStore::create(16, o);
  EXPECT_FALSE(store.is_trained());
  expect_error([&] { store.search(clustered_vectors(1, 16, 1, 5), 1); }, "not trained");
  expect_error([&] { store.add(clustered_vectors(4, 16, 1, 5)); }, "not trained");
}

TEST(VectorStoreErrors, TooFewTrainingVectors) {
  BuildOptions o;
  o.factory = "IVF64,Flat";
  expect_error([&] { VectorStore::build(clustered_vectors(20, 8, 2, 6), {}, o); }, "training index 'IVF64,Flat'");
}

TEST(VectorStoreErrors, BadFactoryAndMetric) {
  BuildOptions o;
  o.factory = "NotAnIndex42";
  expect_error([&] { VectorStore::create(16, o); }, "factory 'NotAnIndex42'");
  expect_error([&] { parse_metric("manhattan"); }, "unknown metric 'manhattan'");
  EXPECT_EQ(parse_metric("ip"), Metric::cosine);
}

TEST(VectorStoreErrors, ParameterTheIndexDoesNotHave) {
  BuildOptions o;
  o.factory = "HNSW16";
  VectorStore store = VectorStore::build(clustered_vectors(200, 8, 2, 7), {}, o);
  expect_error([&] { store.search(clustered_vectors(1, 8, 1, 8), 1, {.nprobe = 4}); }, "nprobe does not apply");
}

TEST(VectorStoreErrors, EfSearchOnlyForHnsw) {
  BuildOptions o = flat();
  o.hnsw_ef_search = 32;
  expect_error([&] { VectorStore::create(8, o); }, "apply only to HNSW indexes, not 'Flat'");
  o.factory = "Int8Flat";
  expect_error([&] { VectorStore::create(8, o); }, "apply only to HNSW indexes, not 'Int8Flat'");

  std::string dir = saved_store();
  rewrite_manifest(dir, [](nlohmann::json& j) { j["ef_search"] = 64; });
  expect_error([&] { VectorStore::open(dir); }, "manifest.json: ef_search is set but the index is not HNSW");
  std::string hnsw = saved_store("HNSW16");
  rewrite_manifest(hnsw, [](nlohmann::json& j) { j["ef_search"] = 0; });
  expect_error([&] { VectorStore::open(hnsw); }, "manifest.json: manifest ef_search must be between 1 and 2147483647");
  rewrite_manifest(hnsw, [](nlohmann::json& j) { j["ef_search"] = "many"; });
  expect_error([&] { VectorStore::open(hnsw); }, "manifest field 'ef_search' has the wrong type");
}

TEST(VectorStoreErrors, WrongIdCount) {
  expect_error([&] { VectorStore::build(clustered_vectors(10, 8, 2, 9), {1, 2, 3}, flat()); }, "3 ids given for 10 vectors");
}

TEST(VectorStoreErrors, UnknownManifestVersion) {
  std::string dir = saved_store();
  rewrite_manifest(dir, [](nlohmann::json& j) { j["format_version"] = VectorStoreManifest::kFormatVersion + 1; });
  expect_error([&] { VectorStore::open(dir); }, "manifest.json: unknown manifest format version " +
                                                    std::to_string(VectorStoreManifest::kFormatVersion + 1));
}

TEST(VectorStoreErrors, ManifestMissingFieldOrNotJson) {
  std::string dir = saved_store();
  rewrite_manifest(dir, [](nlohmann::json& j) { j.erase("dim"); });
  expect_error([&] { VectorStore::open(dir); }, "manifest has no 'dim' field");
  std::ofstream(dir + "/manifest.json") << "{ not json";
  expect_error([&] { VectorStore::open(dir); }, "manifest is not valid JSON");
  expect_error([&] { VectorStore::open(test::temp_dir() + "/nothing"); }, "not an index directory");
}

// Found by fuzz/manifest_fuzz.cpp: a number too large for a double is nlohmann's out_of_range, not
// a parse_error, and escaped the reader; a float count or dim reached an undefined conversion.
TEST(VectorStoreErrors, ManifestNumbersOutOfRange) {
  std::string dir = saved_store();
  std::ofstream(dir + "/manifest.json") << "3333333E333333333";
  expect_error([&] { VectorStore::open(dir); }, "manifest.json: manifest is not valid JSON");
  dir = saved_store();
  rewrite_manifest(dir, [](nlohmann::json& j) { j["count"] = 1e300; });
  expect_error([&] { VectorStore::open(dir); }, "manifest field 'count' has the wrong type");
  dir = saved_store();
  rewrite_manifest(dir, [](nlohmann::json& j) { j["dim"] = 16.5; });
  expect_error([&] { VectorStore::open(dir); }, "manifest field 'dim' has the wrong type");
}

TEST(VectorStoreErrors, TruncatedFaissFileFailsTheSizeCheck) {
  std::string dir = saved_store();
  fs::resize_file(dir + "/index.faiss", fs::file_size(dir + "/index.faiss") / 2);
  expect_error([&] { VectorStore::open(dir); }, "index.faiss: ");
  expect_error([&] { VectorStore::open(dir); }, "truncated or replaced file");
}

TEST(VectorStoreErrors, TruncatedFaissFileThatMatchesItsManifest) {
  // Even when the manifest was rewritten to agree, FAISS's own read error comes back as one line.
  for (const char* factory : {"Flat", "IVF8,Flat", "HNSW16"}) {
    SCOPED_TRACE(factory);
    std::string dir = saved_store(factory);
    std::string path = dir + "/index.faiss";
    fs::resize_file(path, fs::file_size(path) - 100);
    rewrite_manifest(dir, [&](nlohmann::json& j) { j["faiss_bytes"] = fs::file_size(path); });
    expect_error([&] { VectorStore::open(dir, {.mmap = true, .verify_checksum = false}); }, path + ": ");
  }
}

TEST(VectorStoreErrors, ChecksumMismatch) {
  std::string dir = saved_store();
  std::string path = dir + "/index.faiss";
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(path) - 5));
    f.put('\x7f');
  }
  expect_error([&] { VectorStore::open(dir); }, "does not match the manifest");
}

TEST(VectorStoreErrors, MismatchedDimensionInManifest) {
  std::string dir = saved_store();
  rewrite_manifest(dir, [](nlohmann::json& j) { j["dim"] = 32; });
  expect_error([&] { VectorStore::open(dir); }, "index dimension 16 does not match the manifest (32)");
}

TEST(VectorStoreErrors, MappedStoreIsReadOnlyAndFailedSaveLeavesNothing) {
  std::string dir = saved_store("IVF8,Flat");
  VectorStore mapped = VectorStore::open(dir);
  ASSERT_TRUE(mapped.is_mapped());
  expect_error([&] { mapped.add(clustered_vectors(2, 16, 1, 3)); }, "memory-mapped");
  std::string out = test::temp_dir() + "/copy";
  expect_error([&] { mapped.save(out); }, "memory-mapped");
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace spindle
