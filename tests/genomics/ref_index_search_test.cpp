// The window vector index of a reference index: Int8Flat by default for the k-mer sketch, with the
// same candidates and cosines as exact float search (sketches are integer counts), Flat for other
// encoders; indexes built with Flat (before Int8Flat existed) still align.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "genomics/aligner.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

struct FloatEncoder : Encoder {  // stands in for a model: real-valued vectors
  int dim() const override { return 8; }
  std::string description() const override { return "test-float"; }
  bool strand_invariant() const override { return true; }
  void encode(const std::vector<std::string_view>& seqs, float* out) const override {}
};

TEST(RefIndexSearch, DefaultVectorIndexDependsOnTheEncoder) {
  EXPECT_EQ(default_factory(KmerSketchEncoder(), ""), "Int8Flat");
  EXPECT_EQ(default_factory(FloatEncoder(), ""), "Flat");
  EXPECT_EQ(default_factory(KmerSketchEncoder(), "HNSW32"), "HNSW32");
}

TEST(RefIndexSearch, Int8FlatFindsTheWindowsFlatFinds) {
  Reference ref = load_reference(test::source_dir() + "/data/genomics/sarscov2_MN908947.fasta");
  const std::string dir = test::temp_dir();
  RefIndex::build(ref, KmerSketchEncoder(), RefIndexOptions{}, dir + "/int8.idx");
  RefIndexOptions flat_options;
  flat_options.factory = "Flat";
  RefIndex::build(ref, KmerSketchEncoder(), flat_options, dir + "/flat.idx");
  RefIndex int8 = RefIndex::open(dir + "/int8.idx"), flat = RefIndex::open(dir + "/flat.idx");
  EXPECT_EQ(int8.store().factory(), "Int8Flat");
  EXPECT_EQ(int8.store().manifest().format_version, 2);
  EXPECT_EQ(flat.store().factory(), "Flat");
  EXPECT_EQ(flat.store().manifest().format_version, 1);

  const std::string& genome = ref.contigs[0].seq;
  std::mt19937 rng(3);
  std::vector<std::string> reads;
  for (int i = 0; i < 300; ++i) {
    std::string s = genome.substr(rng() % (genome.size() - 150), 150);
    for (char& c : s)
      if (rng() % 50 == 0) c = c == 'A' ? 'G' : 'A';  // 2% substitutions
    reads.push_back(s);
  }
  std::vector<std::string_view> views(reads.begin(), reads.end());
  const int dim = int8.encoder().dim();
  std::vector<float> queries(reads.size() * dim);
  int8.encoder().encode(views, queries.data());
  const int64_t n = static_cast<int64_t>(reads.size());
  SearchResult a = int8.store().search(queries.data(), n, 8),
               b = flat.store().search(queries.data(), n, 8);
  for (int64_t q = 0; q < n; ++q) {
    for (int64_t r = 0; r < 8; ++r)
      EXPECT_NEAR(a.score(q, r), b.score(q, r), 1e-5) << "read " << q << " rank " << r;
    if (b.score(q, 0) - b.score(q, 1) > 1e-4) EXPECT_EQ(a.id(q, 0), b.id(q, 0)) << "read " << q;
    EXPECT_GT(a.score(q, 0), 0.25f);  // above the noise of unrelated windows (about 0.06 sd)
  }

  // An index made with Flat aligns as before.
  std::vector<SeqRecord> records(20);
  for (int i = 0; i < 20; ++i) {
    records[i].name = "r" + std::to_string(i);
    records[i].seq = reads[i];
    records[i].qual.assign(150, 'I');
  }
  std::vector<SamRecord> from_int8, from_flat;
  Aligner(int8, {}).align_single(records, from_int8);
  Aligner(flat, {}).align_single(records, from_flat);
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(from_flat[i].flag & 0x4);
    EXPECT_EQ(from_int8[i].pos, from_flat[i].pos);
    EXPECT_EQ(from_int8[i].as, from_flat[i].as);
  }
}

}  // namespace
}  // namespace spindle

namespace spindle {
namespace {

// The manifest names its data files; a name that is a path ("../x") or a float where an integer
// belongs is an error naming the manifest, never a read outside the index or undefined behaviour.
TEST(RefIndexSearch, ManifestFieldsAreCheckedBeforeUse) {
  Reference ref = load_reference(test::source_dir() + "/data/genomics/sarscov2_MN908947.fasta");
  const std::string dir = test::temp_dir() + "/sc2.idx";
  RefIndex::build(ref, KmerSketchEncoder(), RefIndexOptions{}, dir);
  std::ifstream in(dir + "/manifest.json");
  const std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto open_with = [&](const std::string& from, const std::string& to) {
    std::string text = original;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    std::ofstream(dir + "/manifest.json") << text;
    try {
      RefIndex::open(dir);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(open_with("\"reference.2bit\"", "\"../reference.2bit\"").find("manifest.json: data file '../reference.2bit' is not a file name inside the index"),
            std::string::npos);
  EXPECT_NE(open_with("\"window_bp\": ", "\"window_bp\": 1e300, \"x\": ").find("manifest.json"), std::string::npos);
}

}  // namespace
}  // namespace spindle
