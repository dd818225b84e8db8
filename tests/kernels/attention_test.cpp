// ops::attention (tiled, online softmax) against a naive softmax(q k^T) v written here in f64:
// causal and bidirectional, MHA and GQA, key padding masks, a KV-cache shaped causal case
// (Lq < Lk), fully masked rows, and lengths that are not multiples of the tile sizes.
#include <limits>

#include "kernels/ops.h"
#include "tests/kernels/op_harness.h"

using namespace spindle;

namespace {

std::vector<double> naive_attention(const Tensor& q, const Tensor& k, const Tensor& v, double scale, bool causal,
                                    const Tensor* mask) {
  const int64_t B = q.dim(0), Lq = q.dim(1), H = q.dim(2), D = q.dim(3), Lk = k.dim(1), Hkv = k.dim(2);
  std::vector<double> out(q.numel(), 0.0);
  const float *qd = q.data<float>(), *kd = k.data<float>(), *vd = v.data<float>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      const int64_t g = h / (H / Hkv);
      for (int64_t i = 0; i < Lq; ++i) {
        std::vector<double> s(Lk, -std::numeric_limits<double>::infinity());
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < Lk; ++j) {
          if (causal && j > i + (Lk - Lq)) continue;
          if (mask && !mask->data<uint8_t>()[b * Lk + j]) continue;
          double dot = 0;
          for (int64_t d = 0; d < D; ++d) dot += double(qd[((b * Lq + i) * H + h) * D + d]) * kd[((b * Lk + j) * Hkv + g) * D + d];
          s[j] = dot * scale;
          mx = std::max(mx, s[j]);
        }
        if (mx == -std::numeric_limits<double>::infinity()) continue;  // nothing visible: zeros
        double sum = 0;
        for (auto& x : s) sum += (x = std::exp(x - mx));
        for (int64_t j = 0; j < Lk; ++j)
          for (int64_t d = 0; d < D; ++d) out[((b * Lq + i) * H + h) * D + d] += s[j] / sum * vd[((b * Lk + j) * Hkv + g) * D + d];
      }
    }
  return out;
}

void check(int64_t B, int64_t Lq, int64_t Lk, int64_t H, int64_t Hkv, int64_t D, bool causal, bool masked, uint32_t seed) {
  SCOPED_TRACE(testing::Message() << "B " << B << " Lq " << Lq << " Lk " << Lk << " H " << H << " Hkv " << Hkv
                                  << " D " << D << " causal " << causal << " masked " << masked);
  Tensor q = test::random_tensor({B, Lq, H, D}, seed, 1.5f);
  Tensor k = test::random_tensor({B, Lk, Hkv, D}, seed + 1, 1.5f);
  Tensor v = test::random_tensor({B, Lk, Hkv, D}, seed + 2);
  Tensor mask = Tensor::empty({B, Lk}, DType::u8);
  for (int64_t i = 0; i < B * Lk; ++i) mask.data<uint8_t>()[i] = (i * 7 + seed) % 5 != 0;  // ~20% masked
  if (masked && B > 1)  // a padded batch row: only its first 9 keys are real
    for (int64_t j = 9; j < Lk; ++j) mask.data<uint8_t>()[Lk + j] = 0;
  const float scale = 1.f / std::sqrt(float(D));
  Tensor out = ops::attention(q, k, v, scale, causal, masked ? &mask : nullptr);
  EXPECT_LE(test::relative_max_error(out, naive_attention(q, k, v, scale, causal, masked ? &mask : nullptr)), 2e-6);
}

}  // namespace

TEST(Attention, BidirectionalMatchesNaive) {
  check(2, 37, 37, 4, 4, 16, false, false, 1);
  check(1, 200, 200, 2, 2, 32, false, false, 2);  // several query and key tiles, ragged ends
}

TEST(Attention, CausalMatchesNaive) {
  check(2, 37, 37, 4, 4, 16, true, false, 3);
  check(1, 300, 300, 2, 2, 64, true, false, 4);
}

TEST(Attention, GroupedQueryHeads) {
  check(2, 70, 70, 8, 2, 16, true, false, 5);
  check(1, 129, 129, 6, 3, 8, false, false, 6);
  check(1, 50, 50, 4, 1, 16, true, false, 7);  // multi-query
}

TEST(Attention, KeyPaddingMask) {
  check(2, 45, 45, 4, 2, 16, false, true, 8);
  check(2, 150, 150, 4, 4, 16, true, true, 9);
}

TEST(Attention, CausalWithKeyValueCache) {
  // The queries are the last Lq of Lk positions (streaming with a KV cache).
  check(1, 20, 90, 4, 2, 16, true, false, 10);
  check(2, 100, 333, 2, 2, 32, true, true, 11);
}

TEST(Attention, FullyMaskedRowGivesZeros) {
  Tensor q = test::random_tensor({1, 3, 1, 4}, 12), k = test::random_tensor({1, 3, 1, 4}, 13);
  Tensor v = test::random_tensor({1, 3, 1, 4}, 14);
  Tensor mask = Tensor::zeros({1, 3}, DType::u8);
  Tensor out = ops::attention(q, k, v, 0.5f, false, &mask);
  for (int64_t i = 0; i < out.numel(); ++i) EXPECT_EQ(out.data<float>()[i], 0.f);
}

TEST(Attention, RejectsMismatchedHeads) {
  Tensor q = Tensor::zeros({1, 4, 3, 8}), k = Tensor::zeros({1, 4, 2, 8});
  EXPECT_THROW(ops::attention(q, k, k, 1.f, true), Error);
}
