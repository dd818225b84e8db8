// CUDA twins of kernels/cpu/msa.cpp. Distinct row indices: no two threads write one element.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

namespace spindle::cuda {
namespace {

__global__ void index_add_rows_kernel(float* x, const int64_t* index, const float* src, int64_t n, int64_t cols) {
  const int64_t total = n * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x)
    x[index[i / cols] * cols + i % cols] += src[i];
}

}  // namespace

void index_add_rows(float* x, const int64_t* index, const float* src, int64_t n, int64_t cols) {
  if (n * cols == 0) return;
  index_add_rows_kernel<<<grid_for(n * cols), kThreads>>>(x, index, src, n, cols);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

}  // namespace spindle::cuda
