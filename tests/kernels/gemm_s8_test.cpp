// ops::gemm_s8s8s32_nt: exact int32 products, including the extremes of its input range.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/ops.h"

namespace spindle {
namespace {

std::vector<int32_t> naive_nt(int64_t m, int64_t n, int64_t k, const std::vector<int8_t>& a,
                              const std::vector<int8_t>& b) {
  std::vector<int32_t> c(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int64_t s = 0;
      for (int64_t l = 0; l < k; ++l) s += int64_t(a[i * k + l]) * b[j * k + l];
      c[i * n + j] = static_cast<int32_t>(s);
    }
  return c;
}

TEST(GemmS8, RandomOddShapesExact) {
  const int64_t m = 37, n = 70, k = 300;
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> value(-64, 63);
  std::vector<int8_t> a(m * k), b(n * k);
  for (auto& x : a) x = static_cast<int8_t>(value(rng));
  for (auto& x : b) x = static_cast<int8_t>(value(rng));
  std::vector<int32_t> c(m * n, -1);
  ops::gemm_s8s8s32_nt(m, n, k, a.data(), k, b.data(), k, c.data(), n);
  EXPECT_EQ(c, naive_nt(m, n, k, a, b));
}

TEST(GemmS8, ExtremesDoNotSaturate) {
  // Every product at the edge of the range: 256 * 63 * 63 = 1,016,064 and 256 * (-64) * 63.
  const int64_t m = 3, n = 2, k = 256;
  std::vector<int8_t> a(m * k), b(n * k, 63);
  for (int64_t l = 0; l < k; ++l) {
    a[l] = 63;
    a[k + l] = -64;
    a[2 * k + l] = static_cast<int8_t>(l % 2 ? 63 : -64);
  }
  for (int64_t l = 0; l < k; ++l) b[k + l] = static_cast<int8_t>(l % 2 ? -64 : 63);
  std::vector<int32_t> c(m * n);
  ops::gemm_s8s8s32_nt(m, n, k, a.data(), k, b.data(), k, c.data(), n);
  EXPECT_EQ(c[0], 256 * 63 * 63);
  EXPECT_EQ(c[2], -256 * 64 * 63);
  EXPECT_EQ(c, naive_nt(m, n, k, a, b));
}

}  // namespace
}  // namespace spindle
