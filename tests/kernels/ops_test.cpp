// Every op of kernels/ops.h against a naive double-precision reference (error budget per op).
#include <gtest/gtest.h>

#include "kernels/ops.h"
#include "tests/kernels/op_harness.h"

using namespace spindle;
using spindle::test::for_each_backend;
using spindle::test::random_tensor;
using spindle::test::relative_max_error;

TEST(Ops, LinearMatchesNaive) {
  Tensor x = random_tensor({3, 5, 17}, 1), w = random_tensor({9, 17}, 2), b = random_tensor({9}, 3);
  for_each_backend([&](Device dev) {
    if (dev != Device::cpu) return;  // CUDA linear lands with the CUDA backend
    Tensor y = ops::linear(x, w, &b);
    ASSERT_EQ(y.shape(), (Shape{3, 5, 9}));
    std::vector<double> ref(15 * 9);
    for (int r = 0; r < 15; ++r)
      for (int o = 0; o < 9; ++o) {
        double s = b.data<float>()[o];
        for (int i = 0; i < 17; ++i) s += double(x.data<float>()[r * 17 + i]) * w.data<float>()[o * 17 + i];
        ref[r * 9 + o] = s;
      }
    EXPECT_LT(relative_max_error(y, ref), 1e-6);
  });
}

TEST(Ops, MatmulTransposesAndBf16) {
  const int m = 33, n = 20, k = 64;
  Tensor a = random_tensor({k, m}, 4), b = random_tensor({n, k}, 5);
  Tensor c = ops::matmul(a, b, true, true);
  std::vector<double> ref(m * n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int p = 0; p < k; ++p) s += double(a.data<float>()[p * m + i]) * b.data<float>()[j * k + p];
      ref[i * n + j] = s;
    }
  EXPECT_LT(relative_max_error(c, ref), 1e-6);

  // bf16 inputs, f32 accumulation: error budget from the 8-bit mantissa of the inputs.
  Tensor a16 = a.to(DType::bf16), b16 = b.to(DType::bf16);
  Tensor c16 = Tensor::empty({m, n});
  ops::gemm_bf16(true, true, m, n, k, 1.f, a16.data<uint16_t>(), m, b16.data<uint16_t>(), k, 0.f,
                 c16.data<float>(), n);
  EXPECT_LT(relative_max_error(c16, ref), 2e-2);
}

TEST(Ops, NormsMatchNaive) {
  Tensor x = random_tensor({4, 7, 48}, 6, 3.f), w = random_tensor({48}, 7), b = random_tensor({48}, 8);
  Tensor ln = ops::layer_norm(x, w, &b, 1e-5f), rms = ops::rms_norm(x, w, 1e-6f);
  std::vector<double> ref_ln(x.numel()), ref_rms(x.numel());
  for (int r = 0; r < 28; ++r) {
    const float* xr = x.data<float>() + r * 48;
    double mean = 0, var = 0, sq = 0;
    for (int c = 0; c < 48; ++c) mean += xr[c] / 48.0;
    for (int c = 0; c < 48; ++c) var += (xr[c] - mean) * (xr[c] - mean) / 48.0, sq += double(xr[c]) * xr[c] / 48.0;
    for (int c = 0; c < 48; ++c) {
      ref_ln[r * 48 + c] = (xr[c] - mean) / std::sqrt(var + 1e-5) * w.data<float>()[c] + b.data<float>()[c];
      ref_rms[r * 48 + c] = xr[c] / std::sqrt(sq + 1e-6) * w.data<float>()[c];
    }
  }
  EXPECT_LT(relative_max_error(ln, ref_ln), 1e-6);
  EXPECT_LT(relative_max_error(rms, ref_rms), 1e-6);
}

TEST(Ops, ActivationsMatchFormulas) {
  Tensor x = random_tensor({1000}, 9, 4.f);
  auto check = [&](void (*op)(Tensor&), double (*f)(double)) {
    Tensor y = x.clone();
    op(y);
    std::vector<double> ref(x.numel());
    for (int64_t i = 0; i < x.numel(); ++i) ref[i] = f(x.data<float>()[i]);
    EXPECT_LT(relative_max_error(y, ref), 1e-6);
  };
  check(ops::gelu_erf_, [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); });
  check(ops::gelu_tanh_, [](double v) {
    return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
  });
  check(ops::silu_, [](double v) { return v / (1 + std::exp(-v)); });
  check(ops::softplus_, [](double v) { return std::log1p(std::exp(v)); });
}

TEST(Ops, SoftmaxRowsSumToOne) {
  Tensor x = random_tensor({5, 33}, 10, 10.f);
  Tensor y = x.clone();
  ops::softmax_(y);
  std::vector<double> ref(x.numel());
  for (int r = 0; r < 5; ++r) {
    double mx = -1e300, s = 0;
    for (int c = 0; c < 33; ++c) mx = std::max<double>(mx, x.data<float>()[r * 33 + c]);
    for (int c = 0; c < 33; ++c) s += std::exp(x.data<float>()[r * 33 + c] - mx);
    for (int c = 0; c < 33; ++c) ref[r * 33 + c] = std::exp(x.data<float>()[r * 33 + c] - mx) / s;
  }
  EXPECT_LT(relative_max_error(y, ref), 1e-6);
}

TEST(Ops, EmbeddingLooksUpRowsAndRejectsBadIds) {
  Tensor table = random_tensor({6, 4}, 11);
  Tensor ids = Tensor::empty({2, 3}, DType::i64);
  for (int i = 0; i < 6; ++i) ids.data<int64_t>()[i] = 5 - i;
  Tensor e = ops::embedding(ids, table);
  ASSERT_EQ(e.shape(), (Shape{2, 3, 4}));
  for (int i = 0; i < 6; ++i)
    for (int d = 0; d < 4; ++d) EXPECT_EQ(e.data<float>()[i * 4 + d], table.data<float>()[(5 - i) * 4 + d]);
  ids.data<int64_t>()[2] = 6;
  EXPECT_THROW(ops::embedding(ids, table), Error);
}

TEST(Ops, CausalConv1dMatchesNaive) {
  const int B = 2, L = 19, C = 11, K = 4;
  Tensor x = random_tensor({B, L, C}, 12), w = random_tensor({C, K}, 13), b = random_tensor({C}, 14);
  Tensor y = ops::causal_conv1d(x, w, &b);
  std::vector<double> ref(B * L * C);
  for (int bb = 0; bb < B; ++bb)
    for (int t = 0; t < L; ++t)
      for (int c = 0; c < C; ++c) {
        double s = b.data<float>()[c];
        for (int j = 0; j < K; ++j) {
          int src = t - K + 1 + j;
          if (src >= 0) s += double(w.data<float>()[c * K + j]) * x.data<float>()[(bb * L + src) * C + c];
        }
        ref[(bb * L + t) * C + c] = s;
      }
  EXPECT_LT(relative_max_error(y, ref), 1e-6);
}

static std::vector<double> direct_causal_conv(const float* u, const float* k, int L) {
  std::vector<double> y(L);
  for (int t = 0; t < L; ++t) {
    double s = 0;
    for (int j = 0; j <= t; ++j) s += double(k[j]) * u[t - j];
    y[t] = s;
  }
  return y;
}

TEST(Ops, FftConvEqualsDirectConvolutionForAnyLength) {
  for (int L : {1, 2, 7, 37, 1026, 3001}) {
    SCOPED_TRACE("L=" + std::to_string(L));
    const int rows = 3;
    Tensor u = random_tensor({rows, L}, 15 + L), k = random_tensor({rows, L}, 16 + L);
    Tensor y = ops::fft_conv(u, k);
    std::vector<double> ref;
    for (int r = 0; r < rows; ++r) {
      auto row = direct_causal_conv(u.data<float>() + r * L, k.data<float>() + r * L, L);
      ref.insert(ref.end(), row.begin(), row.end());
    }
    EXPECT_LT(relative_max_error(y, ref), 2e-6);
    // A filter shared by all rows.
    Tensor ks = k.select(0);
    Tensor ys = ops::fft_conv(u, ks);
    std::vector<double> ref_s;
    for (int r = 0; r < rows; ++r) {
      auto row = direct_causal_conv(u.data<float>() + r * L, ks.data<float>(), L);
      ref_s.insert(ref_s.end(), row.begin(), row.end());
    }
    EXPECT_LT(relative_max_error(ys, ref_s), 2e-6);
  }
}

TEST(Ops, FftConvSizeIsSmoothAndLargeEnough) {
  for (int64_t L : {1, 5, 1026, 16386, 1000002}) {
    int64_t n = ops::fft_conv_size(L);
    EXPECT_GE(n, 2 * L - 1);
    EXPECT_LT(n, 2 * (2 * L - 1) + 1);
    int64_t r = n;
    for (int p : {2, 3, 5, 7})
      while (r % p == 0) r /= p;
    EXPECT_EQ(r, 1);
  }
}
