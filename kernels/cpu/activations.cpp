// Element-wise activations, softmax and add. Large arrays are split across OpenMP threads.
// Compiled with -ffast-math (see CMakeLists.txt) so the `omp simd` loops call glibc's vector math
// (libmvec); target_clones builds AVX-512 and AVX2 variants picked at run time by the CPU.
#include <algorithm>
#include <cmath>

#include "kernels/kernels.h"

namespace spindle::cpu {

constexpr int64_t kParallelMin = 1 << 15;

#define SPINDLE_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

SPINDLE_SIMD_CLONES void gelu_erf(float* x, int64_t n) {
#pragma omp parallel for simd if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.f + std::erf(x[i] * 0.70710678118654752f));
}

SPINDLE_SIMD_CLONES void gelu_tanh(float* x, int64_t n) {
  constexpr float kSqrt2OverPi = 0.79788456080286536f;
#pragma omp parallel for simd if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i];
    x[i] = 0.5f * v * (1.f + std::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
  }
}

SPINDLE_SIMD_CLONES void silu(float* x, int64_t n) {
#pragma omp parallel for simd if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (1.f + std::exp(-x[i]));
}

SPINDLE_SIMD_CLONES void softplus(float* x, int64_t n) {
#pragma omp parallel for simd if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 20.f ? x[i] : std::log1p(std::exp(x[i]));
}

void softmax(float* x, int64_t rows, int64_t cols) {
#pragma omp parallel for if (rows * cols > kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    float* xr = x + r * cols;
    float mx = *std::max_element(xr, xr + cols);
    double sum = 0;
    for (int64_t c = 0; c < cols; ++c) {
      xr[c] = std::exp(xr[c] - mx);
      sum += xr[c];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t c = 0; c < cols; ++c) xr[c] *= inv;
  }
}

void add(float* x, const float* y, int64_t n) {
#pragma omp parallel for simd if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

}  // namespace spindle::cpu
