#include "kernels/cuda/check.h"
#include "kernels/cuda/runtime.h"

namespace spindle::cuda {

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no device" error
    return 0;
  }
  return n;
}

std::string device_summary() {
  int n = device_count();
  if (n == 0) return "CUDA compiled in, no GPU visible";
  cudaDeviceProp prop{};
  SPINDLE_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  return std::string(prop.name) + ", sm_" + std::to_string(prop.major) + std::to_string(prop.minor) +
         ", " + std::to_string(prop.totalGlobalMem >> 20) + " MiB" +
         (n > 1 ? " (+" + std::to_string(n - 1) + " more)" : "");
}

void* alloc(size_t bytes) {
  void* ptr = nullptr;
  SPINDLE_CUDA_CHECK(cudaMalloc(&ptr, bytes == 0 ? 1 : bytes));
  return ptr;
}

void free(void* ptr) { cudaFree(ptr); }

void copy(void* dst, bool dst_on_device, const void* src, bool src_on_device, size_t bytes) {
  cudaMemcpyKind kind = dst_on_device ? (src_on_device ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice)
                                      : (src_on_device ? cudaMemcpyDeviceToHost : cudaMemcpyHostToHost);
  SPINDLE_CUDA_CHECK(cudaMemcpy(dst, src, bytes, kind));
}

}  // namespace spindle::cuda
