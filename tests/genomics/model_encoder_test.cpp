// The DNA-ESA encoder (`--model DIR`): a real (random-weight) HyenaDNA checkpoint in the Hugging
// Face layout embeds windows and reads; vectors are unit length and strand-invariant, the index
// records the model and refuses a changed checkpoint, and reads align end to end through it.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "base/error.h"
#include "genomics/aligner.h"
#include "genomics/model_encoder.h"
#include "models/random_checkpoint.h"
#include "models/random_esm.h"
#include "models/sequence.h"
#include "models/tokenizer.h"
#include "tests/test_paths.h"

namespace spindle {
namespace {

std::string random_model_dir(const std::string& name, uint64_t seed) {
  std::string dir = test::temp_dir() + "/" + name;
  RandomHyenaSpec spec;
  spec.d_model = 32;
  spec.n_layer = 2;
  spec.max_seq_len = 1026;
  spec.seed = seed;
  write_random_hyenadna(dir, spec);
  return dir;
}

double dot(const float* a, const float* b, int n) {
  double s = 0;
  for (int i = 0; i < n; ++i) s += double(a[i]) * b[i];
  return s;
}

TEST(ModelEncoder, UnitVectorsStrandInvariantAndDescribed) {
  ModelEncoder encoder(random_model_dir("enc_model", 1));
  ASSERT_EQ(encoder.dim(), 32);
  const std::string s = "ACGTTGCAGGCTAGCTAGGATCGATCGGGATTACACGATCGATCGATGCTAGCTAGCTAGCATCGATGCA";
  const std::string rc = reverse_complement(s);
  std::vector<float> v(3 * 32);
  encoder.encode({s, rc, ""}, v.data());
  EXPECT_NEAR(dot(v.data(), v.data(), 32), 1.0, 1e-5);
  EXPECT_NEAR(dot(v.data(), v.data() + 32, 32), 1.0, 1e-5);  // both strands give the same vector
  EXPECT_EQ(dot(v.data() + 64, v.data() + 64, 32), 0.0);     // nothing to embed: a zero row
  EXPECT_TRUE(encoder.strand_invariant());
  EXPECT_EQ(encoder.description().rfind("model-v1 pool=mean rc_average=1 fingerprint=config.json:", 0), 0u);

  // The index stores the description; rebuilding from it gives the same encoder.
  auto rebuilt = encoder_from_description(encoder.description());
  EXPECT_EQ(rebuilt->description(), encoder.description());
  std::vector<float> w(32);
  rebuilt->encode({s}, w.data());
  for (int d = 0; d < 32; ++d) EXPECT_EQ(w[d], v[d]);
}

TEST(ModelEncoder, ChangedWeightsOrMissingModelAreErrors) {
  const std::string dir = random_model_dir("enc_model_changed", 2);
  const std::string description = ModelEncoder(dir).description();
  write_random_hyenadna(dir, RandomHyenaSpec{32, 2, 1026, 0, 3});  // same shapes, other weights
  try {
    encoder_from_description(description);
    FAIL() << "a changed checkpoint was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("changed since the index was built"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
  EXPECT_THROW(encoder_from_description(description), Error);
  EXPECT_THROW(ModelEncoder(test::temp_dir() + "/no_such_model"), Error);

  // A protein model (which `spindle embed` accepts) is an input error naming it, not a usage error.
  const std::string esm = test::temp_dir() + "/enc_esm";
  write_random_esm2(esm, {.hidden = 32, .layers = 1, .heads = 4, .ffn = 64});
  try {
    ModelEncoder encoder(esm);
    FAIL() << "a protein model was accepted";
  } catch (const UsageError& e) {
    FAIL() << "usage error: " << e.what();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'esm2' is not a DNA model"), std::string::npos) << e.what();
  }
}

// Reads that are exact copies of reference windows embed exactly like those windows, so even a
// random-weight model must place them; the DP then gives the exact position and a perfect CIGAR.
TEST(ModelEncoder, AlignsReadsThroughTheIndex) {
  const std::string index_dir = test::temp_dir() + "/sc2_model.idx";
  ModelEncoder encoder(random_model_dir("enc_model_align", 4));
  Reference ref = load_reference(test::source_dir() + "/data/genomics/sarscov2_MN908947.fasta");
  RefIndex::build(ref, encoder, RefIndexOptions{}, index_dir);
  RefIndex index = RefIndex::open(index_dir);
  EXPECT_EQ(index.manifest().encoder, encoder.description());
  const std::string& genome = ref.contigs[0].seq;
  // Windows start every 150 bp; every 7th one, alternate strands.
  auto window_read = [&](int i) {
    SeqRecord r{"w" + std::to_string(i), "", genome.substr(150 * (7 * i + 3), 300), std::string(300, 'I')};
    if (i % 2) r.seq = reverse_complement(r.seq);
    return r;
  };
  std::vector<SeqRecord> reads;
  for (int i = 0; i < 20; ++i) reads.push_back(window_read(i));
  Aligner aligner(index, {});
  std::vector<SamRecord> out;
  aligner.align_single(reads, out);
  ASSERT_EQ(out.size(), reads.size());
  for (size_t i = 0; i < out.size(); ++i) {
    EXPECT_FALSE(out[i].flag & 0x4) << out[i].name;
    EXPECT_EQ(out[i].pos, 150 * (7 * int64_t(i) + 3)) << out[i].name;
    EXPECT_EQ(bool(out[i].flag & 0x10), i % 2 == 1) << out[i].name;
    EXPECT_EQ(out[i].nm, 0) << out[i].name;
  }
}

}  // namespace
}  // namespace spindle
