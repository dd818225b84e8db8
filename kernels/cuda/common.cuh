// Private helpers of the .cu files: launch checks, grid sizing, a stream-ordered scratch buffer.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "kernels/cuda/check.h"

// After a kernel launch: a bad configuration (too much shared memory, grid too large) is reported
// here with the launching file and line instead of at some later copy.
#define SPINDLE_CUDA_LAUNCH_CHECK() SPINDLE_CUDA_CHECK(cudaGetLastError())

namespace spindle::cuda {

constexpr int kThreads = 256;

// Blocks for a grid-stride loop over n items: enough to fill the GPU, never more than needed.
inline unsigned grid_for(int64_t n, int threads = kThreads) {
  const int64_t blocks = (n + threads - 1) / threads;
  return static_cast<unsigned>(std::clamp<int64_t>(blocks, 1, 65535LL * 32));
}

// Largest dynamic shared memory a block may opt in to on the current device.
inline int max_shared_bytes() {
  int device = 0, bytes = 0;
  SPINDLE_CUDA_CHECK(cudaGetDevice(&device));
  SPINDLE_CUDA_CHECK(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  return bytes;
}

// Scratch memory from the stream-ordered pool (cudaMallocAsync on the default stream): no device
// synchronisation per allocation, and the pool keeps freed blocks for the next call.
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) {
    static const bool pool_ready = [] {
      int device = 0;
      cudaMemPool_t pool;
      SPINDLE_CUDA_CHECK(cudaGetDevice(&device));
      SPINDLE_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, device));
      uint64_t keep = UINT64_MAX;  // do not hand freed blocks back to the driver at each sync
      SPINDLE_CUDA_CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep));
      return true;
    }();
    (void)pool_ready;
    SPINDLE_CUDA_CHECK(cudaMallocAsync(&ptr_, bytes == 0 ? 1 : bytes, 0));
  }
  ~DeviceBuffer() { cudaFreeAsync(ptr_, 0); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <typename T>
  T* as() const { return static_cast<T*>(ptr_); }

 private:
  void* ptr_ = nullptr;
};

// Sums over a block of blockDim.x threads (a multiple of 32, at most 1024); every thread gets the sum.
template <typename T>
__device__ inline T warp_sum(T v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}
template <typename T>
__device__ inline T warp_max(T v) {
  for (int offset = 16; offset > 0; offset >>= 1) v = max(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}
template <typename T>
__device__ inline T block_sum(T v, T* shared32) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_sum(v);
  __syncthreads();  // shared32 may still be read by a previous reduction
  if (lane == 0) shared32[warp] = v;
  __syncthreads();
  T total = 0;
  for (int w = 0; w < warps; ++w) total += shared32[w];
  return total;
}
template <typename T>
__device__ inline T block_max(T v, T* shared32) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_max(v);
  __syncthreads();
  if (lane == 0) shared32[warp] = v;
  __syncthreads();
  T total = shared32[0];
  for (int w = 1; w < warps; ++w) total = max(total, shared32[w]);
  return total;
}

}  // namespace spindle::cuda
