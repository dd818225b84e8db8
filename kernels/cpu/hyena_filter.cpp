// HyenaDNA's implicit-filter kernels (MODELS.md 1.4): the sine MLP over positional features, in
// float64 (sin(w x) with w ~ 10 amplifies float32 rounding), and the last projection fused with
// the exponential decay window, written channel-major for the FFT convolution.
// Compiled with -ffast-math (CMakeLists.txt): the sin/exp loops call glibc's vector math (<= 4 ulp
// in float64, far below the float32 result's rounding); clones pick AVX-512 or AVX2.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/kernels.h"

// clang accepts target_clones only on a function's first declaration (these kernels are declared
// in kernels/kernels.h), so its builds (fuzzing, sanitizers) use the baseline code.
#if defined(__clang__)
#define SPINDLE_SIMD_CLONES
#else
#define SPINDLE_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif

namespace spindle::cpu {

SPINDLE_SIMD_CLONES void hyena_filter_mlp(const float* z, int64_t length, int64_t emb_dim, int64_t width,
                                          int64_t layers, const float* weights, const float* biases,
                                          const float* freq, float* hidden) {
  const int64_t E = emb_dim, F = width;
  // Transposed float64 copies so the inner loop runs over outputs (contiguous, vectorisable).
  std::vector<std::vector<double>> wt(layers);
  for (int64_t l = 0; l < layers; ++l) {
    const int64_t in = l == 0 ? E : F;
    const float* w = weights + (l == 0 ? 0 : F * E + (l - 1) * F * F);
    wt[l].resize(in * F);
    for (int64_t o = 0; o < F; ++o)
      for (int64_t i = 0; i < in; ++i) wt[l][i * F + o] = w[o * in + i];
  }

#pragma omp parallel
  {
    std::vector<double> act(F), next(F), zrow(E);
#pragma omp for schedule(static, 256)
    for (int64_t n = 0; n < length; ++n) {
      for (int64_t i = 0; i < E; ++i) zrow[i] = z[n * E + i];
      const double* input = zrow.data();
      for (int64_t l = 0; l < layers; ++l) {
        const int64_t in = l == 0 ? E : F;
        for (int64_t o = 0; o < F; ++o) next[o] = biases[l * F + o];
        for (int64_t i = 0; i < in; ++i) {
          const double x = input[i];
          const double* w = wt[l].data() + i * F;
          for (int64_t o = 0; o < F; ++o) next[o] += w[o] * x;
        }
#pragma omp simd
        for (int64_t o = 0; o < F; ++o) act[o] = std::sin(static_cast<double>(freq[o]) * next[o]);
        input = act.data();
      }
      for (int64_t o = 0; o < F; ++o) hidden[n * F + o] = static_cast<float>(act[o]);
    }
  }
}

SPINDLE_SIMD_CLONES void hyena_filter_project(const float* hidden, int64_t length, int64_t width, const float* weight,
                                              const float* decay_rate, int64_t rows, const float* t, double shift,
                                              float* k) {
  const int64_t F = width;
  constexpr int64_t kChunk = 2048;
#pragma omp parallel for schedule(static)
  for (int64_t c0 = 0; c0 < length; c0 += kChunk) {
    const int64_t n = std::min(kChunk, length - c0);
    // k[rows, chunk] = W[rows, F] . hidden[chunk, F]^T, written straight into the channel-major
    // bank and windowed while it is in cache. The last projection has no sine after it, so
    // float32 GEMM keeps full accuracy.
    gemm_f32(false, true, rows, n, F, 1.f, weight, F, hidden + c0 * F, F, 0.f, k + c0, length);
    for (int64_t ch = 0; ch < rows; ++ch) {
      const double rate = std::abs(static_cast<double>(decay_rate[ch]));
      float* row = k + ch * length + c0;
#pragma omp simd
      for (int64_t r = 0; r < n; ++r)
        row[r] = static_cast<float>(row[r] * (std::exp(-static_cast<double>(t[c0 + r]) * rate) + shift));
    }
  }
}

}  // namespace spindle::cpu
