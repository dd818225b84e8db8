// HyenaDNA's operator kernels (MODELS.md 1.4), the loops the layer once ran itself. The operator
// works on one channel group at a time; these are the steps between its GEMMs and FFT
// convolutions, each one pass over its buffers:
//   pre-norm statistics once per layer, then a cheap per-group normalise (no reductions redone);
//   short causal conv fused with the transpose to channel-major rows for the FFT;
//   the conv-plus-skip combine; the output gate fused with the transpose back to position-major.
// Plain IEEE arithmetic (no -ffast-math, unlike the filter kernels in hyena_filter.cpp): the
// statistics' f64 sums keep their order, so results do not depend on the vector width.
#include <algorithm>
#include <cmath>

#include "kernels/kernels.h"

namespace spindle::cpu {

void hyena_prenorm_stats(const float* x, int64_t rows, int64_t cols, float eps, float* stats) {
  // Double accumulation, like layer_norm, so the group-wise normalise matches ops::layer_norm.
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    double sum = 0;
    for (int64_t c = 0; c < cols; ++c) sum += row[c];
    const double mean = sum / cols;
    double var = 0;
    for (int64_t c = 0; c < cols; ++c) var += (row[c] - mean) * (row[c] - mean);
    stats[2 * r] = static_cast<float>(mean);
    stats[2 * r + 1] = static_cast<float>(1.0 / std::sqrt(var / cols + eps));
  }
}

void hyena_prenorm_apply(const float* x, const float* stats, const float* w, const float* b, int64_t rows,
                         int64_t cols, float* y) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    float* o = y + r * cols;
    const float mean = stats[2 * r], inv = stats[2 * r + 1];
#pragma omp simd
    for (int64_t c = 0; c < cols; ++c) o[c] = (row[c] - mean) * inv * w[c] + b[c];
  }
}

void hyena_short_conv_transpose(const float* x, const float* w, const float* bias, int64_t length, int64_t channels,
                                int64_t kernel, float* y) {
  const int64_t K = kernel;
  constexpr int64_t kTile = 64;  // positions per tile: the transpose stays in cache
#pragma omp parallel for schedule(static)
  for (int64_t t0 = 0; t0 < length; t0 += kTile) {
    const int64_t t1 = std::min(length, t0 + kTile);
    for (int64_t ch = 0; ch < channels; ++ch)
      for (int64_t t = t0; t < t1; ++t) {
        float acc = bias[ch];
        for (int64_t j = 0; j < K; ++j) {
          const int64_t src = t - K + 1 + j;
          if (src >= 0) acc += w[ch * K + j] * x[src * channels + ch];
        }
        y[ch * length + t] = acc;
      }
  }
}

void hyena_conv_skip(float* v, const float* conv, const float* skip, int64_t rows, int64_t length) {
#pragma omp parallel for
  for (int64_t j = 0; j < rows; ++j) {
    const float d = skip[j];
    for (int64_t t = 0; t < length; ++t) v[j * length + t] = conv[j * length + t] + d * v[j * length + t];
  }
}

void hyena_gate_transpose(const float* v, const float* gate, int64_t channels, int64_t length, float* y,
                          int64_t y_stride) {
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < length; ++t)
    for (int64_t j = 0; j < channels; ++j) y[t * y_stride + j] = v[j * length + t] * gate[j * length + t];
}

}  // namespace spindle::cpu
