// CUDA twins of kernels/cpu/elementwise.cpp: grid-stride loops, the CPU formulas in the same f32
// order (bf16 rounding to nearest even, as f32_to_bf16 on the host).
#include <cuda_bf16.h>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

namespace spindle::cuda {
namespace {

__global__ void mul_kernel(float* x, const float* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    x[i] *= y[i];
}

__global__ void scale_kernel(float* x, float s, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    x[i] *= s;
}

__global__ void scale_rows_kernel(float* x, const float* row_scale, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    x[i] *= row_scale[i / cols];
}

__global__ void f32_to_bf16_kernel(const float* x, int64_t n, uint16_t* y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const __nv_bfloat16 b = __float2bfloat16_rn(x[i]);
    y[i] = *reinterpret_cast<const uint16_t*>(&b);
  }
}

}  // namespace

void mul(float* x, const float* y, int64_t n) {
  if (n == 0) return;
  mul_kernel<<<grid_for(n), kThreads>>>(x, y, n);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

void scale(float* x, float s, int64_t n) {
  if (n == 0) return;
  scale_kernel<<<grid_for(n), kThreads>>>(x, s, n);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

void scale_rows(float* x, const float* row_scale, int64_t rows, int64_t cols) {
  if (rows * cols == 0) return;
  scale_rows_kernel<<<grid_for(rows * cols), kThreads>>>(x, row_scale, rows, cols);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

void f32_to_bf16(const float* x, int64_t n, uint16_t* y) {
  if (n == 0) return;
  f32_to_bf16_kernel<<<grid_for(n), kThreads>>>(x, n, y);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

}  // namespace spindle::cuda
