// The cross-backend op harness: every op is compared with a plain reference written in the test,
// under a per-op error budget relative to the largest reference magnitude. The CPU backend always
// runs; CUDA variants join through for_each_backend() and are skipped with a message when no GPU
// is visible.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/backend.h"
#include "kernels/tensor.h"

namespace spindle::test {

inline Tensor random_tensor(const Shape& shape, uint32_t seed, float scale = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.f, scale);
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// max |a - b| / max |b|, over all elements.
inline double relative_max_error(const Tensor& actual, const std::vector<double>& expected) {
  Tensor a = actual.to(Device::cpu);
  EXPECT_EQ(static_cast<size_t>(a.numel()), expected.size());
  double max_diff = 0, max_ref = 1e-30;
  for (size_t i = 0; i < expected.size(); ++i) {
    max_diff = std::max(max_diff, std::abs(static_cast<double>(a.data<float>()[i]) - expected[i]));
    max_ref = std::max(max_ref, std::abs(expected[i]));
  }
  return max_diff / max_ref;
}

// Runs `body(device)` on the CPU and, when a GPU is visible, on CUDA.
template <typename Body>
void for_each_backend(Body body) {
  SCOPED_TRACE("backend cpu");
  body(Device::cpu);
  if (cuda_available()) {
    SCOPED_TRACE("backend cuda");
    body(Device::cuda);
  }
}

}  // namespace spindle::test
