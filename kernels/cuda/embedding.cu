// Embedding lookup on the GPU. Ids are validated first (the CPU twin's error names the first bad
// position): a kernel records the smallest bad position with atomicMin, the host reads it back.
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

namespace spindle::cuda {
namespace {

__global__ void find_bad_id(const int64_t* ids, int64_t n, int64_t vocab, unsigned long long* first_bad) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    if (ids[i] < 0 || ids[i] >= vocab) atomicMin(first_bad, static_cast<unsigned long long>(i));
}

__global__ void gather_rows(const int64_t* ids, int64_t n, const float* table, int64_t dim, float* out) {
  const int64_t total = n * dim;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = i / dim, col = i - row * dim;
    out[i] = table[ids[row] * dim + col];
  }
}

}  // namespace

void embedding(const int64_t* ids, int64_t n, const float* table, int64_t vocab, int64_t dim, float* out) {
  if (n == 0) return;
  DeviceBuffer flag(sizeof(unsigned long long));
  const unsigned long long none = ~0ull;
  SPINDLE_CUDA_CHECK(cudaMemcpyAsync(flag.as<void>(), &none, sizeof none, cudaMemcpyHostToDevice, 0));
  find_bad_id<<<grid_for(n), kThreads>>>(ids, n, vocab, flag.as<unsigned long long>());
  SPINDLE_CUDA_LAUNCH_CHECK();
  unsigned long long first_bad = none;
  SPINDLE_CUDA_CHECK(cudaMemcpy(&first_bad, flag.as<void>(), sizeof first_bad, cudaMemcpyDeviceToHost));
  if (first_bad != none) {
    int64_t bad = 0;
    SPINDLE_CUDA_CHECK(cudaMemcpy(&bad, ids + first_bad, sizeof bad, cudaMemcpyDeviceToHost));
    throw Error("token id " + std::to_string(bad) + " at position " + std::to_string(first_bad) +
                " is outside the vocabulary [0, " + std::to_string(vocab) + ")");
  }
  if (dim == 0) return;
  gather_rows<<<grid_for(n * dim), kThreads>>>(ids, n, table, dim, out);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

}  // namespace spindle::cuda
