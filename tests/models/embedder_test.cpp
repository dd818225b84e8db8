// Embedder invariants on a random-weight HyenaDNA: chunking, reverse-complement averaging, pooling.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "models/embedder.h"
#include "models/random_checkpoint.h"
#include "models/registry.h"
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
