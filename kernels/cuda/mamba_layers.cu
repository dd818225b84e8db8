// CUDA twins of kernels/cpu/mamba_layers.cpp: the gated RMSNorm is one block per (row, group) with
// its sum of squares in f64 as on the CPU; the rest are grid-stride loops with the CPU formulas.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

namespace spindle::cuda {
namespace {

constexpr int kNormThreads = 128;

__device__ inline float silu_of(float v) {
  return v / (1.f + expf(-v));
}

// Block b of the grid-stride loop handles row b / groups, group b % groups.
__global__ void gated_rms_norm_kernel(const float* y, const float* z, const float* w, int64_t rows,
                                      int64_t cols, int64_t group_size, float eps,
                                      bool norm_before_gate, float* out) {
  __shared__ double shared[32];
  const int64_t groups = cols / group_size;
  for (int64_t b = blockIdx.x; b < rows * groups; b += gridDim.x) {
    const int64_t g0 = (b % groups) * group_size, base = (b / groups) * cols + g0;
    auto gated = [&](int64_t c) {  // the value the norm sees
      float v = y[base + c];
      if (z && !norm_before_gate) v *= silu_of(z[base + c]);
      return v;
    };
    double sq = 0;
    for (int64_t c = threadIdx.x; c < group_size; c += blockDim.x) {
      const float v = gated(c);
      sq += static_cast<double>(v) * v;
    }
    sq = block_sum(sq, shared);
    const float inv = static_cast<float>(1.0 / sqrt(sq / group_size + eps));
    for (int64_t c = threadIdx.x; c < group_size; c += blockDim.x) {
      float v = gated(c) * inv * w[g0 + c];
      if (z && norm_before_gate) v *= silu_of(z[base + c]);
      out[base + c] = v;
    }
  }
}

__global__ void copy_columns_kernel(const float* src, int64_t src_cols, int64_t src_c0, float* dst,
                                    int64_t dst_cols, int64_t dst_c0, int64_t rows, int64_t width,
                                    bool accumulate) {
  const int64_t n = rows * width;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / width, c = i % width;
    const float v = src[r * src_cols + src_c0 + c];
    float& d = dst[r * dst_cols + dst_c0 + c];
    d = accumulate ? d + v : v;
  }
}

__global__ void flip_kernel(const float* x, int64_t rows, int64_t cols, bool flip_rows,
                            bool flip_cols, float* y) {
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / cols, c = i % cols;
    y[i] = x[(flip_rows ? rows - 1 - r : r) * cols + (flip_cols ? cols - 1 - c : c)];
  }
}

__global__ void dt_softplus_kernel(float* dt, const float* bias, int64_t rows, int64_t cols,
                                   float lo, float hi) {
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    float v = dt[i] + bias[i % cols];
    v = v > 20.f ? v : log1pf(expf(v));
    dt[i] = v < lo ? lo : (hi < v ? hi : v);
  }
}

__global__ void add_scaled_columns_kernel(float* y, const float* x, const float* scale,
                                          int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] += scale[i % cols] * x[i];
}

}  // namespace

void gated_rms_norm(const float* y, const float* z, const float* w, int64_t rows, int64_t cols,
                    int64_t group_size, float eps, bool norm_before_gate, float* out) {
  if (rows == 0 || cols == 0) return;
  // One block per (row, group), grid-strided beyond the launch limit.
  const auto grid = static_cast<unsigned>(std::min<int64_t>(rows * (cols / group_size), 65535LL * 32));
  gated_rms_norm_kernel<<<grid, kNormThreads>>>(y, z, w, rows, cols, group_size, eps,
                                                norm_before_gate, out);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

void copy_columns(const float* src, int64_t src_cols, int64_t src_c0, float* dst, int64_t dst_cols,
                  int64_t dst_c0, int64_t rows, int64_t width, bool accumulate) {
  if (rows * width == 0) return;
  copy_columns_kernel<<<grid_for(rows * width), kThreads>>>(src, src_cols, src_c0, dst, dst_cols,
                                                            dst_c0, rows, width, accumulate);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

void flip(const float* x, int64_t rows, int64_t cols, bool flip_rows, bool flip_cols, float* y) {
  if (rows * cols == 0) return;
  flip_kernel<<<grid_for(rows * cols), kThreads>>>(x, rows, cols, flip_rows, flip_cols, y);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

void dt_softplus(float* dt, const float* bias, int64_t rows, int64_t cols, float lo, float hi) {
  if (rows * cols == 0) return;
  dt_softplus_kernel<<<grid_for(rows * cols), kThreads>>>(dt, bias, rows, cols, lo, hi);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

void add_scaled_columns(float* y, const float* x, const float* scale, int64_t rows, int64_t cols) {
  if (rows * cols == 0) return;
  add_scaled_columns_kernel<<<grid_for(rows * cols), kThreads>>>(y, x, scale, rows, cols);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

}  // namespace spindle::cuda
