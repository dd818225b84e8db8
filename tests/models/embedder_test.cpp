// Embedder invariants on a random-weight HyenaDNA (chunking, reverse-complement averaging, pooling)
// and a random-weight ESM-2 (residue pooling, windows for long proteins, what proteins refuse).
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "models/embedder.h"
#include "models/random_checkpoint.h"
#include "models/random_esm.h"
#include "models/registry.h"
#include "models/sequence.h"
#include "models/tokenizer.h"
#include "tests/test_paths.h"

using namespace spindle;

namespace {

const Model& tiny_model() {
  static std::unique_ptr<Model> model = [] {
    std::string dir = test::temp_dir() + "/hyena";
    write_random_hyenadna(dir, {.d_model = 32, .n_layer = 2, .max_seq_len = 1024, .seed = 7});
    return load_model(dir);
  }();
  return *model;
}

// ESM-2 with 2 layers of width 32 and the real 1026 positions (1022 residues per pass).
const Model& tiny_esm() {
  static std::unique_ptr<Model> model = [] {
    std::string dir = test::temp_dir() + "/esm";
    write_random_esm2(dir, {.hidden = 32, .layers = 2, .heads = 4, .ffn = 64, .max_positions = 1026, .seed = 7});
    return load_model(dir);
  }();
  return *model;
}

std::string random_protein(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, 'A');
  for (auto& c : s) c = "ACDEFGHIKLMNPQRSTVWY"[rng() % 20];
  return s;
}

std::string random_dna(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, 'A');
  for (auto& c : s) c = "ACGT"[rng() % 4];
  return s;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double m = 0;
  for (int64_t i = 0; i < a.numel(); ++i) m = std::max(m, double(std::abs(a.data<float>()[i] - b.data<float>()[i])));
  return m;
}

}  // namespace

TEST(Embedder, PerTokenStatesEqualTheModelsHiddenStates) {
  std::string seq = random_dna(300, 1);
  Embedder e(tiny_model(), {.pooling = Pooling::none});
  Tensor states = e.embed(seq).vectors;
  auto ids = tokenize_dna(seq).ids;
  Tensor batch = Tensor::empty({1, 300}, DType::i64);
  std::memcpy(batch.raw(), ids.data(), ids.size() * 8);
  ForwardRequest request;
  request.want_logits = false;
  Tensor direct = tiny_model().forward(batch, request).hidden.select(0);
  EXPECT_EQ(max_abs_diff(states, direct), 0.0);
}

TEST(Embedder, ChunkedWindowsAgreeWithWholePassWhereContextIsComplete) {
  // A causal model's output at position t depends on tokens <= t only, so the first window of a
  // chunked pass equals the whole pass (up to FFT rounding: the two use different FFT sizes), and a
  // window as long as the input is exactly a whole pass.
  std::string seq = random_dna(900, 2);
  Embedder whole(tiny_model(), {.pooling = Pooling::none});
  Embedder chunked(tiny_model(), {.pooling = Pooling::none, .max_len = 400, .overlap = 100});
  Embedder fits(tiny_model(), {.pooling = Pooling::none, .max_len = 900});
  Tensor a = whole.embed(seq).vectors, b = chunked.embed(seq).vectors, c = fits.embed(seq).vectors;
  ASSERT_EQ(b.shape(), a.shape());
  double scale = 0;
  for (int64_t i = 0; i < a.numel(); ++i) scale = std::max(scale, double(std::abs(a.data<float>()[i])));
  EXPECT_LT(max_abs_diff(a.slice(0, 400), b.slice(0, 400)), 1e-5 * scale);
  EXPECT_EQ(max_abs_diff(a, c), 0.0);
  // Later positions see at least `overlap` tokens of context; they differ from the whole pass,
  // but remain finite and of the same scale.
  double diff = max_abs_diff(a.slice(400, 900), b.slice(400, 900));
  EXPECT_TRUE(std::isfinite(diff));
  EXPECT_LT(diff, scale * 10);
}

TEST(Embedder, ReverseComplementAverageIsStrandInvariant) {
  std::string seq = random_dna(257, 3);
  for (Pooling pool : {Pooling::mean, Pooling::none}) {
    Embedder e(tiny_model(), {.pooling = pool, .rc_average = true});
    Tensor fwd = e.embed(seq).vectors, rev = e.embed(reverse_complement(seq)).vectors;
    if (pool == Pooling::mean) {
      EXPECT_LT(max_abs_diff(fwd, rev), 1e-5);
    } else {  // per token: position t of x pairs with position L-1-t of its reverse complement
      const int64_t L = fwd.dim(0), D = fwd.dim(1);
      double m = 0;
      for (int64_t t = 0; t < L; ++t)
        for (int64_t d = 0; d < D; ++d)
          m = std::max(m, double(std::abs(fwd.data<float>()[t * D + d] - rev.data<float>()[(L - 1 - t) * D + d])));
      EXPECT_LT(m, 1e-5);
    }
  }
  // Without averaging the two strands really do differ (the test above is not vacuous).
  Embedder plain(tiny_model(), {.pooling = Pooling::mean});
  EXPECT_GT(max_abs_diff(plain.embed(seq).vectors, plain.embed(reverse_complement(seq)).vectors), 1e-3);
}

TEST(Embedder, PoolingModes) {
  std::string seq = random_dna(50, 4);
  Tensor states = Embedder(tiny_model(), {.pooling = Pooling::none}).embed(seq).vectors;
  Tensor mean = Embedder(tiny_model(), {.pooling = Pooling::mean}).embed(seq).vectors;
  Tensor last = Embedder(tiny_model(), {.pooling = Pooling::last}).embed(seq).vectors;
  Tensor cls = Embedder(tiny_model(), {.pooling = Pooling::cls}).embed(seq).vectors;
  const int64_t D = states.dim(1);
  for (int64_t d = 0; d < D; ++d) {
    double s = 0;
    for (int64_t t = 0; t < 50; ++t) s += states.data<float>()[t * D + d];
    EXPECT_NEAR(mean.data<float>()[d], s / 50, 1e-5);
    EXPECT_EQ(last.data<float>()[d], states.data<float>()[49 * D + d]);
    EXPECT_EQ(cls.data<float>()[d], states.data<float>()[d]);
  }
  Tensor layer0 = Embedder(tiny_model(), {.pooling = Pooling::cls, .layer = 0}).embed("A").vectors;
  EXPECT_EQ(layer0.dim(0), 32);
  EXPECT_THROW(Embedder(tiny_model(), {}).embed(""), Error);
  EXPECT_THROW(Embedder(tiny_model(), {.max_len = 5000}), UsageError);
}

TEST(Embedder, ProteinsPoolTheResiduesBetweenClsAndEos) {
  const std::string protein = random_protein(40, 5);
  Tensor states = Embedder(tiny_esm(), {.pooling = Pooling::none}).embed(protein).vectors;
  // The model's own hidden states of <cls> protein <eos>.
  std::vector<int64_t> ids = tokenize_esm(protein);
  Tensor batch = Tensor::empty({1, 42}, DType::i64);
  std::memcpy(batch.raw(), ids.data(), ids.size() * 8);
  ForwardRequest request;
  request.want_logits = false;
  Tensor direct = tiny_esm().forward(batch, request).hidden.select(0);
  EXPECT_EQ(max_abs_diff(states, direct.slice(1, 41)), 0.0);
  EXPECT_EQ(max_abs_diff(Embedder(tiny_esm(), {.pooling = Pooling::cls}).embed(protein).vectors,
                         direct.select(0)),
            0.0);
  Tensor mean = Embedder(tiny_esm(), {}).embed(protein).vectors;
  for (int64_t d = 0; d < 32; ++d) {
    double s = 0;
    for (int64_t t = 0; t < 40; ++t) s += states.data<float>()[t * 32 + d];
    EXPECT_NEAR(mean.data<float>()[d], s / 40, 1e-5);
  }
  Embedding e = Embedder(tiny_esm(), {}).embed(protein);
  EXPECT_EQ(e.tokens, 40);
  EXPECT_EQ(e.unknown_chars, 0);
}

TEST(Embedder, LongProteinsRunInWindowsSplitAtTheMiddleOfEachOverlap) {
  // 150 residues in windows of 60 overlapping by 20: [0,60) [40,100) [80,140) [120,150), each run
  // as <cls> window <eos>. A bidirectional model's residue keeps the window in which it is at
  // least overlap / 2 = 10 residues from the cut: [0,50) [50,90) [90,130) [130,150).
  const std::string protein = random_protein(150, 6);
  Embedder chunked(tiny_esm(), {.pooling = Pooling::none, .max_len = 60, .overlap = 20});
  Embedder whole(tiny_esm(), {.pooling = Pooling::none});
  Tensor got = chunked.embed(protein).vectors;
  ASSERT_EQ(got.shape(), (Shape{150, 32}));
  struct Part {
    int64_t window_begin, window_end, keep_begin, keep_end;
  };
  for (Part p : {Part{0, 60, 0, 50}, Part{40, 100, 50, 90}, Part{80, 140, 90, 130},
                 Part{120, 150, 130, 150}}) {
    Tensor window =
        whole.embed(protein.substr(p.window_begin, p.window_end - p.window_begin)).vectors;
    EXPECT_EQ(
        max_abs_diff(got.slice(p.keep_begin, p.keep_end),
                     window.slice(p.keep_begin - p.window_begin, p.keep_end - p.window_begin)),
        0.0)
        << "residues " << p.keep_begin << ".." << p.keep_end;
  }
  // cls: the first window's <cls>; mean: over the stitched residues.
  Tensor cls = Embedder(tiny_esm(), {.pooling = Pooling::cls, .max_len = 60, .overlap = 20})
                   .embed(protein)
                   .vectors;
  EXPECT_EQ(
      max_abs_diff(
          cls,
          Embedder(tiny_esm(), {.pooling = Pooling::cls}).embed(protein.substr(0, 60)).vectors),
      0.0);
  Tensor mean = Embedder(tiny_esm(), {.max_len = 60, .overlap = 20}).embed(protein).vectors;
  for (int64_t d = 0; d < 32; ++d) {
    double s = 0;
    for (int64_t t = 0; t < 150; ++t) s += got.data<float>()[t * 32 + d];
    EXPECT_NEAR(mean.data<float>()[d], s / 150, 1e-5);
  }
  // A protein that fits one window is one whole pass.
  EXPECT_EQ(
      max_abs_diff(
          Embedder(tiny_esm(), {.pooling = Pooling::none, .max_len = 150}).embed(protein).vectors,
          whole.embed(protein).vectors),
      0.0);
}

TEST(Embedder, ProteinErrorsAndOptionsThatOnlyFitDna) {
  Embedder plain(tiny_esm(), {});
  // Beyond the context (1022 residues) only with max_len; 1022 itself fits.
  EXPECT_NO_THROW(plain.embed(random_protein(1022, 7)));
  try {
    plain.embed(random_protein(1023, 7));
    ADD_FAILURE() << "no error for 1023 residues";
  } catch (const UsageError&) {
    ADD_FAILURE() << "a long protein is an input error, not a usage error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("1023 residues"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--max-len"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Embedder(tiny_esm(), {.max_len = 1022}).embed(random_protein(1500, 7)).vectors.dim(0),
            32);
  try {
    plain.embed("MKTAYJAK");
    ADD_FAILURE() << "no error for J";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("residue 'J' at position 6"), std::string::npos)
        << e.what();
  }
  for (const char* bad : {"MKT-AY", "MKTAY*", "MK1T", ""})
    EXPECT_THROW(plain.embed(bad), Error) << bad;
  // The rare residue letters of the ESM alphabet are accepted, in either case.
  EXPECT_EQ(max_abs_diff(plain.embed("mktxbuzo").vectors, plain.embed("MKTXBUZO").vectors), 0.0);
  EXPECT_THROW(Embedder(tiny_esm(), {.rc_average = true}), UsageError);
  EXPECT_THROW(Embedder(tiny_esm(), {.pooling = Pooling::last}), UsageError);
  EXPECT_THROW(Embedder(tiny_esm(), {.max_len = 1023}), UsageError);
  EXPECT_THROW(Embedder(tiny_esm(), {.layer = 3}), UsageError);
}
