// End to end: the real `spindle index` binary on real files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "index/vector_store.h"
#include "kernels/io/npy.h"
#include "tests/index/mixture_vectors.h"
#include "tests/cli/cli_util.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

namespace fs = std::filesystem;

test::CommandResult spindle_index(const std::string& args) {
  return test::run_command(test::spindle_binary() + " index " + args);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Exit code `code`; stderr holds progress lines at most and exactly one error line naming `needle`.
void expect_error(const test::CommandResult& r, const std::string& needle, int code = 1) {
  test::expect_error_line(r, needle, code);
}

Tensor random_matrix(int64_t n, int64_t d, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  Tensor t = Tensor::empty({n, d});
  for (int64_t i = 0; i < n * d; ++i) t.data<float>()[i] = normal(rng);
  return t;
}

struct Hit {
  int64_t query, rank, id;
  double score;
};

std::vector<Hit> parse_hits(const std::string& tsv) {
  std::istringstream in(tsv);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "query\trank\tid\tscore");
  std::vector<Hit> hits;
  Hit h;
  while (in >> h.query >> h.rank >> h.id >> h.score) hits.push_back(h);
  return hits;
}

class IndexCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::spindle_binary().empty()) GTEST_SKIP() << "core-only build: no spindle binary";
    dir = test::temp_dir();
    base = random_matrix(1500, 24, 1);
    write_npy(dir + "/vectors.npy", base);
    write_npy(dir + "/queries.npy", base.slice(0, 5));
    std::ofstream ids(dir + "/ids.txt");
    for (int i = 0; i < 1500; ++i) ids << 5000 + 2 * i << "\n";
  }
  std::string dir;
  Tensor base;
};

TEST_F(IndexCli, BuildSearchInfoFlat) {
  auto b = spindle_index("build " + dir + "/vectors.npy --ids " + dir + "/ids.txt --factory Flat --producer 'test encoder v1' -t 1 -o " +
                         dir + "/flat");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.err.find("Peak RSS"), std::string::npos);
  auto s = spindle_index("search " + dir + "/flat " + dir + "/queries.npy -k 4 -t 1 -o " + dir + "/hits.tsv");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  std::vector<Hit> hits = parse_hits(slurp(dir + "/hits.tsv"));
  ASSERT_EQ(hits.size(), 20u);
  // Each query is a stored vector: it finds itself first with cosine 1, under its id.
  for (int64_t q = 0; q < 5; ++q) {
    EXPECT_EQ(hits[q * 4].query, q);
    EXPECT_EQ(hits[q * 4].rank, 1);
    EXPECT_EQ(hits[q * 4].id, 5000 + 2 * q);
    EXPECT_NEAR(hits[q * 4].score, 1.0, 1e-5);
    for (int r = 1; r < 4; ++r) EXPECT_LE(hits[q * 4 + r].score, hits[q * 4 + r - 1].score);
  }
  // The same through the library.
  VectorStore store = VectorStore::open(dir + "/flat");
  SearchResult lib = store.search(base.slice(0, 5), 4);
  for (size_t i = 0; i < hits.size(); ++i) EXPECT_EQ(hits[i].id, lib.ids[i]);

  auto to_stdout = spindle_index("search " + dir + "/flat " + dir + "/queries.npy -k 4 -t 1 -o -");
  ASSERT_EQ(to_stdout.exit_code, 0) << to_stdout.err;
  EXPECT_EQ(to_stdout.out, slurp(dir + "/hits.tsv"));

  auto info = spindle_index("info " + dir + "/flat");
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("count\t1500\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("dim\t24\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("factory\tFlat\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("producer\ttest encoder v1\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("format_version\t1\n"), std::string::npos) << info.out;
}

TEST_F(IndexCli, IvfShardsWithSharedTrainingMerge) {
  write_npy(dir + "/a.npy", base.slice(0, 800));
  write_npy(dir + "/b.npy", base.slice(800, 1500));
  ASSERT_EQ(spindle_index("build " + dir + "/a.npy --factory IVF8,Flat --metric l2 -t 1 -o " + dir + "/a").exit_code, 0);
  // Shard b continues the numbering of shard a through its ids file.
  std::ofstream ids(dir + "/b_ids.txt");
  for (int i = 800; i < 1500; ++i) ids << i << "\n";
  ids.close();
  auto b = spindle_index("build " + dir + "/b.npy --ids " + dir + "/b_ids.txt --trained " + dir + "/a -t 1 -o " + dir + "/b");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto sharded = spindle_index("search " + dir + "/a " + dir + "/queries.npy --shard " + dir + "/b -k 5 --nprobe 8 -t 1 -o -");
  ASSERT_EQ(sharded.exit_code, 0) << sharded.err;
  auto m = spindle_index("merge " + dir + "/a " + dir + "/b -t 1 -o " + dir + "/merged");
  ASSERT_EQ(m.exit_code, 0) << m.err;
  auto merged = spindle_index("search " + dir + "/merged " + dir + "/queries.npy -k 5 --nprobe 8 -t 1 -o -");
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(merged.out, sharded.out);
  auto info = spindle_index("info " + dir + "/merged");
  EXPECT_NE(info.out.find("count\t1500\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("metric\tl2\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("memory_mapped\tyes"), std::string::npos) << info.out;
  // With nprobe = nlist, IVF-Flat is exact: query 0 finds row 0 at squared distance 0.
  std::vector<Hit> hits = parse_hits(merged.out);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].id, 0);
  EXPECT_NEAR(hits[0].score, 0.0, 1e-4);
  for (const Hit& h : hits) EXPECT_LT(h.id, 1500);
}

TEST_F(IndexCli, HnswWithEf) {
  ASSERT_EQ(spindle_index("build " + dir + "/vectors.npy --factory HNSW16 --ef-construction 64 -t 1 -o " + dir + "/h").exit_code, 0);
  auto s = spindle_index("search " + dir + "/h " + dir + "/queries.npy -k 3 --ef 64 -t 1 -o -");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  std::vector<Hit> hits = parse_hits(s.out);
  ASSERT_EQ(hits.size(), 15u);
  for (int q = 0; q < 5; ++q) EXPECT_EQ(hits[q * 3].id, q);
  expect_error(spindle_index("search " + dir + "/h " + dir + "/queries.npy -k 3 --nprobe 4 -o -"), "nprobe does not apply");
}

// Recall@k of `hits` against `exact` (both parsed from search TSVs of the same queries).
double tsv_recall(const std::vector<Hit>& hits, const std::vector<Hit>& exact) {
  std::set<std::pair<int64_t, int64_t>> found;
  for (const Hit& h : hits) found.insert({h.query, h.id});
  int64_t n = 0;
  for (const Hit& e : exact) n += found.count({e.query, e.id});
  return exact.empty() ? 0.0 : double(n) / double(exact.size());
}

// The manifest's ef_search is the default of `index search`; `--ef` overrides it; `index build
// --ef-search` chooses it. Single-threaded builds make the graphs identical, so outputs compare.
TEST_F(IndexCli, HnswSearchDefaultFromManifestAndEfOverride) {
  write_npy(dir + "/m.npy", test::mixture_vectors(10000, 64, 3, 42, 1));
  write_npy(dir + "/mq.npy", test::mixture_vectors(200, 64, 3, 42, 2));
  ASSERT_EQ(spindle_index("build " + dir + "/m.npy --factory Flat -t 1 -o " + dir + "/flat").exit_code, 0);
  auto b = spindle_index("build " + dir + "/m.npy --factory HNSW32 -t 1 -o " + dir + "/h");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto manifest = nlohmann::json::parse(slurp(dir + "/h/manifest.json"));
  EXPECT_EQ(manifest["ef_search"], kDefaultHnswEfSearch);
  EXPECT_NE(spindle_index("info " + dir + "/h").out.find("efSearch\t" + std::to_string(kDefaultHnswEfSearch) + "\n"),
            std::string::npos);

  auto search = [&](const std::string& index, const std::string& extra) {
    auto r = spindle_index("search " + dir + "/" + index + " " + dir + "/mq.npy -k 10 -t 1 " + extra + " -o -");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  const std::vector<Hit> exact = parse_hits(search("flat", ""));
  ASSERT_EQ(exact.size(), 2000u);
  const std::string by_default = search("h", "");
  const std::string ef16 = search("h", "--ef 16");
  EXPECT_EQ(search("h", "--ef " + std::to_string(kDefaultHnswEfSearch)), by_default);
  const double recall_default = tsv_recall(parse_hits(by_default), exact);
  EXPECT_GE(recall_default, 0.95);
  EXPECT_LT(tsv_recall(parse_hits(ef16), exact), recall_default - 0.02);

  // A default chosen at build time: searching without --ef equals --ef 16 on the default build.
  ASSERT_EQ(spindle_index("build " + dir + "/m.npy --factory HNSW32 --ef-search 16 -t 1 -o " + dir + "/h16").exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(slurp(dir + "/h16/manifest.json"))["ef_search"], 16);
  EXPECT_EQ(search("h16", ""), ef16);
  EXPECT_EQ(search("h16", "--ef " + std::to_string(kDefaultHnswEfSearch)), by_default);

  auto zero = spindle_index("search " + dir + "/h " + dir + "/mq.npy --ef 0 -o -");
  EXPECT_EQ(zero.exit_code, 2) << zero.err;
  EXPECT_NE(zero.err.find("--ef: Value 0 not in range 1 to 2147483647"), std::string::npos) << zero.err;
  expect_error(spindle_index("build " + dir + "/m.npy --factory Flat --ef-search 32 -t 1 -o " + dir + "/f2"),
               "apply only to HNSW indexes, not 'Flat'");
  EXPECT_FALSE(fs::exists(dir + "/f2"));
}

TEST_F(IndexCli, IndexesTheOutputOfEmbed) {
  // A random-weight HyenaDNA embeds three records; the first and third differ in one base.
  ASSERT_EQ(test::run_command(test::spindle_binary() + " model init-random --d-model 32 --n-layer 1 -o " + dir + "/m").exit_code, 0);
  std::ofstream(dir + "/s.fa") << ">r1\nACGTACGTAGCTAGCTAGCATCGATCGA\n>r2\nTTTTGGGGCCCCAAAATTTGGGCCC\n>r3\nACGTACGTAGCTAGCTAGCATCGATCGT\n";
  auto e = test::run_command(test::spindle_binary() + " embed --model " + dir + "/m " + dir + "/s.fa -t 1 -o " + dir + "/e.npy");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  auto b = spindle_index("build " + dir + "/e.npy --factory Flat --producer 'hyenadna random d32' -t 1 -o " + dir + "/e");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto s = spindle_index("search " + dir + "/e " + dir + "/e.npy -k 3 -t 1 -o -");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  std::vector<Hit> hits = parse_hits(s.out);
  ASSERT_EQ(hits.size(), 9u);
  for (int q = 0; q < 3; ++q) EXPECT_EQ(hits[q * 3].id, q);  // each record finds itself first
  // The embed names file holds record names, not integer ids: a one-line error with a hint.
  expect_error(spindle_index("build " + dir + "/e.npy --ids " + dir + "/e.ids.txt --factory Flat -o " + dir + "/x"),
               "e.ids.txt:1: not an integer id: 'r1'");
}

TEST_F(IndexCli, Errors) {
  ASSERT_EQ(spindle_index("build " + dir + "/vectors.npy --factory Flat -t 1 -o " + dir + "/flat").exit_code, 0);
  write_npy(dir + "/q16.npy", random_matrix(3, 16, 2));

  // Dimension mismatch: the query file is named; no output file is left behind.
  expect_error(spindle_index("search " + dir + "/flat " + dir + "/q16.npy -k 3 -o " + dir + "/out.tsv"),
               "q16.npy: dimension mismatch");
  EXPECT_FALSE(fs::exists(dir + "/out.tsv"));
  // k larger than the index.
  expect_error(spindle_index("search " + dir + "/flat " + dir + "/queries.npy -k 2000 -o " + dir + "/out.tsv"),
               "k = 2000 is larger than the index (1500 vectors)");
  EXPECT_FALSE(fs::exists(dir + "/out.tsv"));
  // Wrong number of ids; bad factory: nothing written.
  test::run_command("head -n 10 " + dir + "/ids.txt > " + dir + "/few.txt");
  expect_error(spindle_index("build " + dir + "/vectors.npy --ids " + dir + "/few.txt --factory Flat -o " + dir + "/x"),
               "few.txt: 10 ids for 1500 vectors");
  expect_error(spindle_index("build " + dir + "/vectors.npy --factory Bogus -o " + dir + "/x"), "factory 'Bogus'");
  EXPECT_FALSE(fs::exists(dir + "/x"));
  // Missing --factory is a usage error (exit 2).
  EXPECT_EQ(spindle_index("build " + dir + "/vectors.npy -o " + dir + "/x").exit_code, 2);

  // Unknown manifest version.
  fs::copy(dir + "/flat", dir + "/v2");
  {
    std::ifstream in(dir + "/v2/manifest.json");
    auto j = nlohmann::json::parse(in);
    j["format_version"] = 99;
    std::ofstream(dir + "/v2/manifest.json") << j.dump();
  }
  expect_error(spindle_index("info " + dir + "/v2"), "unknown manifest format version 99");
  // Truncated FAISS file.
  fs::copy(dir + "/flat", dir + "/cut");
  fs::resize_file(dir + "/cut/index.faiss", 1000);
  expect_error(spindle_index("search " + dir + "/cut " + dir + "/queries.npy -k 3 -o -"), "cut/index.faiss: ");
  // An untrained index cannot be searched.
  BuildOptions ivf;
  ivf.factory = "IVF8,Flat";
  VectorStore::create(24, ivf).save(dir + "/untrained");
  expect_error(spindle_index("search " + dir + "/untrained " + dir + "/queries.npy -k 1 -o -"), "not trained");
  // Merging stores from different producers.
  ASSERT_EQ(spindle_index("build " + dir + "/vectors.npy --factory Flat --producer other -t 1 -o " + dir + "/other").exit_code, 0);
  expect_error(spindle_index("merge " + dir + "/flat " + dir + "/other -o " + dir + "/m"), "producer mismatch");
  EXPECT_FALSE(fs::exists(dir + "/m"));
}

}  // namespace
}  // namespace spindle
