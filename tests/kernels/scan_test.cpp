// The Mamba selective scan and the Mamba2 chunked SSD against naive recurrences written here in
// f64; chunked SSD against the sequential op; state carried across calls equals one pass.
#include "kernels/ops.h"
#include "tests/kernels/op_harness.h"

using namespace spindle;

namespace {

// Positive step sizes in [0.001, 0.2) and negative A, as softplus(dt) and -exp(A_log) give.
Tensor random_dt(const Shape& shape, uint32_t seed) {
  Tensor t = test::random_tensor(shape, seed);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = 0.001f + 0.2f * std::abs(std::sin(t.data<float>()[i] * 3.f));
  return t;
}
Tensor random_negative(const Shape& shape, uint32_t seed, float scale) {
  Tensor t = test::random_tensor(shape, seed);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = -scale * std::exp(0.5f * t.data<float>()[i]);
  return t;
}

std::vector<double> naive_selective_scan(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B,
                                         const Tensor& C, const Tensor& D, const Tensor& z) {
  const int64_t Bt = x.dim(0), L = x.dim(1), Dc = x.dim(2), G = B.dim(2), N = B.dim(3);
  std::vector<double> y(x.numel());
  for (int64_t b = 0; b < Bt; ++b)
    for (int64_t d = 0; d < Dc; ++d) {
      const int64_t g = d / (Dc / G);
      std::vector<double> h(N, 0.0);
      for (int64_t t = 0; t < L; ++t) {
        const int64_t i = (b * L + t) * Dc + d;
        const double delta = dt.data<float>()[i], xv = x.data<float>()[i];
        double acc = 0;
        for (int64_t n = 0; n < N; ++n) {
          const int64_t bi = ((b * L + t) * G + g) * N + n;
          h[n] = std::exp(delta * A.data<float>()[d * N + n]) * h[n] + delta * B.data<float>()[bi] * xv;
          acc += h[n] * C.data<float>()[bi];
        }
        acc += D.data<float>()[d] * xv;
        const double zv = z.data<float>()[i];
        y[i] = acc * zv / (1 + std::exp(-zv));
      }
    }
  return y;
}

std::vector<double> as_doubles(const Tensor& t) {
  return std::vector<double>(t.data<float>(), t.data<float>() + t.numel());
}

}  // namespace

TEST(SelectiveScan, MatchesNaiveRecurrence) {
  for (auto [Bt, L, Dc, G, N] : std::vector<std::array<int64_t, 5>>{{1, 37, 128, 1, 16}, {2, 100, 40, 2, 8}, {1, 5, 7, 1, 3}}) {
    SCOPED_TRACE(testing::Message() << Bt << "x" << L << " D " << Dc << " G " << G << " N " << N);
    Tensor x = test::random_tensor({Bt, L, Dc}, 1), dt = random_dt({Bt, L, Dc}, 2);
    Tensor A = random_negative({Dc, N}, 3, 1.f), B = test::random_tensor({Bt, L, G, N}, 4);
    Tensor C = test::random_tensor({Bt, L, G, N}, 5), D = test::random_tensor({Dc}, 6), z = test::random_tensor({Bt, L, Dc}, 7);
    Tensor y = ops::selective_scan(x, dt, A, B, C, &D, &z, nullptr);
    EXPECT_LE(test::relative_max_error(y, naive_selective_scan(x, dt, A, B, C, D, z)), 2e-6);
  }
}

TEST(SelectiveScan, StateCarriedAcrossChunksEqualsOnePass) {
  const int64_t L = 90, Dc = 48, N = 16;
  Tensor x = test::random_tensor({1, L, Dc}, 11), dt = random_dt({1, L, Dc}, 12);
  Tensor A = random_negative({Dc, N}, 13, 1.f), B = test::random_tensor({1, L, 1, N}, 14);
  Tensor C = test::random_tensor({1, L, 1, N}, 15);
  Tensor whole = ops::selective_scan(x, dt, A, B, C, nullptr, nullptr, nullptr);
  Tensor state = Tensor::zeros({1, Dc, N});
  std::vector<double> pieces;
  for (int64_t t0 = 0; t0 < L; t0 += 33) {
    const int64_t t1 = std::min(L, t0 + 33);
    auto part = [&](const Tensor& t) { return t.select(0).slice(t0, t1).clone().reshape({1, t1 - t0, t.dim(2), t.ndim() == 4 ? t.dim(3) : 1}); };
    Tensor xs = x.select(0).slice(t0, t1).clone().reshape({1, t1 - t0, Dc});
    Tensor ds = dt.select(0).slice(t0, t1).clone().reshape({1, t1 - t0, Dc});
    Tensor y = ops::selective_scan(xs, ds, A, part(B), part(C), nullptr, nullptr, &state);
    for (int64_t i = 0; i < y.numel(); ++i) pieces.push_back(y.data<float>()[i]);
  }
  EXPECT_LE(test::relative_max_error(whole, pieces), 1e-6);
}

TEST(SsdScan, SequentialOpMatchesNaiveRecurrence) {
  // Tiny case checked by hand-written loops: one head, P = 2, N = 3.
  const int64_t L = 9;
  Tensor x = test::random_tensor({1, L, 1, 2}, 21), dt = random_dt({1, L, 1}, 22);
  Tensor A = Tensor::from_vector({-0.7f}, {1}), B = test::random_tensor({1, L, 1, 3}, 23);
  Tensor C = test::random_tensor({1, L, 1, 3}, 24), D = Tensor::from_vector({0.3f}, {1});
  std::vector<double> expected;
  double S[2][3] = {};
  for (int64_t t = 0; t < L; ++t) {
    const double d = dt.data<float>()[t], decay = std::exp(d * -0.7f);
    for (int p = 0; p < 2; ++p) {
      double acc = 0.3f * x.data<float>()[t * 2 + p];
      for (int n = 0; n < 3; ++n) {
        S[p][n] = decay * S[p][n] + d * x.data<float>()[t * 2 + p] * B.data<float>()[t * 3 + n];
        acc += S[p][n] * C.data<float>()[t * 3 + n];
      }
      expected.push_back(acc);
    }
  }
  EXPECT_LE(test::relative_max_error(ops::ssd_scan_sequential(x, dt, A, B, C, &D, nullptr), expected), 1e-6);
}

TEST(SsdScan, ChunkedEqualsSequentialRecurrence) {
  // Lengths that are and are not multiples of the chunk (the last chunk is short, as padding is).
  for (auto [Bt, L, H, P, G, N, Q] : std::vector<std::array<int64_t, 7>>{
           {1, 37, 8, 16, 1, 32, 16}, {2, 64, 4, 8, 2, 16, 16}, {1, 300, 4, 16, 1, 24, 64}, {1, 5, 2, 4, 1, 4, 256}}) {
    SCOPED_TRACE(testing::Message() << Bt << "x" << L << " H " << H << " P " << P << " G " << G << " N " << N << " Q " << Q);
    Tensor x = test::random_tensor({Bt, L, H, P}, 31), dt = random_dt({Bt, L, H}, 32);
    Tensor A = random_negative({H}, 33, 2.f), B = test::random_tensor({Bt, L, G, N}, 34);
    Tensor C = test::random_tensor({Bt, L, G, N}, 35), D = test::random_tensor({H}, 36);
    Tensor chunked = ops::ssd_scan(x, dt, A, B, C, &D, nullptr, Q);
    Tensor sequential = ops::ssd_scan_sequential(x, dt, A, B, C, &D, nullptr);
    EXPECT_LE(test::relative_max_error(chunked, as_doubles(sequential)), 2e-6);
  }
}

TEST(SsdScan, StateCarriedAcrossCallsEqualsOnePass) {
  const int64_t L = 100, H = 4, P = 8, N = 16;
  Tensor x = test::random_tensor({1, L, H, P}, 41), dt = random_dt({1, L, H}, 42);
  Tensor A = random_negative({H}, 43, 1.f), B = test::random_tensor({1, L, 1, N}, 44);
  Tensor C = test::random_tensor({1, L, 1, N}, 45);
  Tensor whole = ops::ssd_scan(x, dt, A, B, C, nullptr, nullptr, 16);
  Tensor state = Tensor::zeros({1, H, P, N});
  std::vector<double> pieces;
  for (int64_t t0 = 0; t0 < L; t0 += 30) {
    const int64_t t1 = std::min(L, t0 + 30), T = t1 - t0;
    Tensor y = ops::ssd_scan(x.select(0).slice(t0, t1).clone().reshape({1, T, H, P}),
                             dt.select(0).slice(t0, t1).clone().reshape({1, T, H}), A,
                             B.select(0).slice(t0, t1).clone().reshape({1, T, 1, N}),
                             C.select(0).slice(t0, t1).clone().reshape({1, T, 1, N}), nullptr, &state, 16);
    for (int64_t i = 0; i < y.numel(); ++i) pieces.push_back(y.data<float>()[i]);
  }
  EXPECT_LE(test::relative_max_error(whole, pieces), 1e-6);
}
