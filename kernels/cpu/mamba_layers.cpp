// The Mamba family's per-layer kernels (Mamba2's gated RMSNorm and dt activation, column copies
// of projections and joined outputs, Caduceus' reverse-complement flips), moved here from the
// loops the models once wrote themselves. CUDA twins: kernels/cuda/mamba_layers.cu.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/kernels.h"

namespace spindle::cpu {

namespace {
// Below this many elements a thread team costs more than the loop.
constexpr int64_t kParallelMin = 1 << 16;

inline float silu_of(float v) {
  return v / (1.f + std::exp(-v));
}
}  // namespace

// mamba_ssm RMSNormGated per group of channels; sums of squares in f64.
void gated_rms_norm(const float* y, const float* z, const float* w, int64_t rows, int64_t cols,
                    int64_t group_size, float eps, bool norm_before_gate, float* out) {
#pragma omp parallel for if (rows * cols > kParallelMin)
  for (int64_t t = 0; t < rows; ++t) {
    for (int64_t g0 = 0; g0 < cols; g0 += group_size) {
      const int64_t base = t * cols + g0;
      // Gate first (the default) or after the norm.
      for (int64_t c = 0; c < group_size; ++c) {
        float v = y[base + c];
        if (z && !norm_before_gate) v *= silu_of(z[base + c]);
        out[base + c] = v;
      }
      double sq = 0;
      for (int64_t c = 0; c < group_size; ++c) sq += double(out[base + c]) * out[base + c];
      const float inv = static_cast<float>(1.0 / std::sqrt(sq / group_size + eps));
      for (int64_t c = 0; c < group_size; ++c) {
        float v = out[base + c] * inv * w[g0 + c];
        if (z && norm_before_gate) v *= silu_of(z[base + c]);
        out[base + c] = v;
      }
    }
  }
}

void copy_columns(const float* src, int64_t src_cols, int64_t src_c0, float* dst, int64_t dst_cols,
                  int64_t dst_c0, int64_t rows, int64_t width, bool accumulate) {
  if (accumulate) {
#pragma omp parallel for if (rows * width > kParallelMin)
    for (int64_t r = 0; r < rows; ++r) {
      const float* s = src + r * src_cols + src_c0;
      float* d = dst + r * dst_cols + dst_c0;
      for (int64_t c = 0; c < width; ++c) d[c] += s[c];
    }
  } else {
#pragma omp parallel for if (rows * width > kParallelMin)
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(dst + r * dst_cols + dst_c0, src + r * src_cols + src_c0, width * sizeof(float));
  }
}

void flip(const float* x, int64_t rows, int64_t cols, bool flip_rows, bool flip_cols, float* y) {
#pragma omp parallel for if (rows * cols > kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = x + (flip_rows ? rows - 1 - r : r) * cols;
    float* dst = y + r * cols;
    if (flip_cols)
      std::reverse_copy(src, src + cols, dst);
    else
      std::memcpy(dst, src, cols * sizeof(float));
  }
}

// dt = clamp(softplus(dt + bias), lo, hi), softplus linear above 20 as PyTorch's. The clamp lets a
// NaN through, as std::clamp did in the model.
void dt_softplus(float* dt, const float* bias, int64_t rows, int64_t cols, float lo, float hi) {
#pragma omp parallel for if (rows * cols > kParallelMin)
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      float v = dt[r * cols + c] + bias[c];
      v = v > 20.f ? v : std::log1p(std::exp(v));
      dt[r * cols + c] = v < lo ? lo : (hi < v ? hi : v);
    }
}

void add_scaled_columns(float* y, const float* x, const float* scale, int64_t rows, int64_t cols) {
#pragma omp parallel for if (rows * cols > kParallelMin)
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) y[r * cols + c] += scale[c] * x[r * cols + c];
}

}  // namespace spindle::cpu
