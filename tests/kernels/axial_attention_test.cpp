// ops::axial_row_* (the MSA Transformer's tied row attention) against a naive f64 reference
// written here: logits summed over rows, -10000 fills at masked key columns, softmax, P v per row.
// Also: logits accumulated over row chunks equal the whole-MSA logits, and odd sizes (one row,
// rows not a multiple of the packing block, one column).
#include "kernels/ops.h"
#include "tests/kernels/op_harness.h"

using namespace spindle;

namespace {

std::vector<double> naive_row_attention(const Tensor& q, const Tensor& k, const Tensor& v, double scale,
                                        const std::vector<uint8_t>* mask) {
  const int64_t R = q.dim(0), C = q.dim(1), H = q.dim(2), D = q.dim(3);
  const float *qd = q.data<float>(), *kd = k.data<float>(), *vd = v.data<float>();
  auto at = [&](int64_t r, int64_t i, int64_t h, int64_t d) { return ((r * C + i) * H + h) * D + d; };
  std::vector<double> out(q.numel(), 0.0);
  for (int64_t h = 0; h < H; ++h)
    for (int64_t i = 0; i < C; ++i) {
      std::vector<double> s(C);
      double mx = -1e300;
      for (int64_t j = 0; j < C; ++j) {
        double dot = 0;
        for (int64_t r = 0; r < R; ++r)
          for (int64_t d = 0; d < D; ++d) dot += double(qd[at(r, i, h, d)]) * kd[at(r, j, h, d)];
        s[j] = (mask && !(*mask)[j]) ? -10000.0 : dot * scale;
        mx = std::max(mx, s[j]);
      }
      double sum = 0;
      for (auto& x : s) sum += (x = std::exp(x - mx));
      for (int64_t r = 0; r < R; ++r)
        for (int64_t j = 0; j < C; ++j)
          for (int64_t d = 0; d < D; ++d) out[at(r, i, h, d)] += s[j] / sum * vd[at(r, j, h, d)];
    }
  return out;
}

void check(int64_t R, int64_t C, int64_t H, int64_t D, bool masked, uint32_t seed) {
  SCOPED_TRACE(testing::Message() << "R " << R << " C " << C << " H " << H << " D " << D << " masked " << masked);
  Tensor q = test::random_tensor({R, C, H, D}, seed, 1.2f);
  Tensor k = test::random_tensor({R, C, H, D}, seed + 1, 1.2f);
  Tensor v = test::random_tensor({R, C, H, D}, seed + 2);
  std::vector<uint8_t> mask_values(C);
  for (int64_t j = 0; j < C; ++j) mask_values[j] = j < C - C / 4;  // trailing pad columns
  Tensor mask = Tensor::empty({C}, DType::u8);
  std::copy(mask_values.begin(), mask_values.end(), mask.data<uint8_t>());
  const float scale = 1.f / std::sqrt(float(D)) / std::sqrt(float(R));
  Tensor out = ops::axial_row_attention(q, k, v, scale, masked ? &mask : nullptr);
  EXPECT_LE(test::relative_max_error(out, naive_row_attention(q, k, v, scale, masked ? &mask_values : nullptr)), 2e-6);
}

}  // namespace

TEST(AxialRowAttention, MatchesNaive) {
  check(8, 41, 4, 16, false, 1);
  check(37, 23, 2, 8, false, 2);  // rows span several packing blocks, ragged last block
  check(1, 19, 3, 16, false, 3);
  check(5, 1, 2, 16, false, 4);
}

TEST(AxialRowAttention, MaskedKeyColumnsGetMinusTenThousand) {
  check(16, 65, 4, 16, true, 5);
  check(3, 12, 1, 32, true, 6);
}

TEST(AxialRowAttention, RowChunksAccumulateToTheWholeMap) {
  const int64_t R = 29, C = 33, H = 3, D = 16;
  Tensor q = test::random_tensor({R, C, H, D}, 11), k = test::random_tensor({R, C, H, D}, 12);
  Tensor whole;
  ops::axial_row_logits(q, k, 0.1f, whole, false);
  Tensor chunked = Tensor::zeros({H, C, C});
  for (int64_t r0 = 0; r0 < R; r0 += 7) {
    const int64_t r1 = std::min(R, r0 + 7);
    ops::axial_row_logits(q.slice(r0, r1), k.slice(r0, r1), 0.1f, chunked, true);
  }
  std::vector<double> expected(whole.data<float>(), whole.data<float>() + whole.numel());
  EXPECT_LE(test::relative_max_error(chunked, expected), 1e-6);
}

TEST(AxialRowAttention, ShapeErrorsThrow) {
  Tensor q = Tensor::zeros({2, 5, 2, 4}), k = Tensor::zeros({2, 6, 2, 4}), logits;
  EXPECT_THROW(ops::axial_row_logits(q, k, 1.f, logits, false), Error);
  Tensor bad = Tensor::zeros({2, 5, 5});
  Tensor mask = Tensor::zeros({4}, DType::u8);
  EXPECT_THROW(ops::axial_row_softmax_(bad, &mask, -1e4f), Error);
  EXPECT_THROW(ops::axial_row_apply(Tensor::zeros({2, 4, 4}), q), Error);
}
