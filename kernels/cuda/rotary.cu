// CUDA twin of kernels/cpu/rotary.cpp: one thread per (row, head, pair); the angle product in
// f32 and its cos/sin in f64, as the CPU kernel and the reference implementations compute them.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

namespace spindle::cuda {
namespace {

__global__ void rotary_kernel(RotaryParams p) {
  const int64_t half = p.rotary_dim / 2, n = p.rows * p.heads * half;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t pair = i % half, rh = i / half, r = rh / p.heads;
    const int64_t position = p.pos0 + (p.period > 0 ? r % p.period : r);
    const float angle = static_cast<float>(position) * p.inv_freq[pair];
    const float c = static_cast<float>(cos(static_cast<double>(angle)));
    const float s = static_cast<float>(sin(static_cast<double>(angle)));
    float* u = p.x + rh * p.head_dim;
    float& a = p.interleaved ? u[2 * pair] : u[pair];
    float& b = p.interleaved ? u[2 * pair + 1] : u[pair + half];
    const float x1 = a, x2 = b;
    a = x1 * c - x2 * s;
    b = x2 * c + x1 * s;
  }
}

}  // namespace

void rotary(const RotaryParams& p) {
  const int64_t n = p.rows * p.heads * (p.rotary_dim / 2);
  if (n == 0) return;
  rotary_kernel<<<grid_for(n), kThreads>>>(p);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

}  // namespace spindle::cuda
