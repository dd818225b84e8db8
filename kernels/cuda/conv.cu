// Causal depthwise conv1d, channels last: one thread per output (b, t, c), consecutive threads on
// consecutive channels so every tap reads a coalesced row; the K taps of a row are reread from
// L1/L2 by the next K time steps.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

namespace spindle::cuda {
namespace {

__global__ void causal_conv1d_kernel(const float* x, const float* w, const float* bias, int64_t length,
                                     int64_t channels, int64_t kernel, int64_t total, float* y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % channels, bt = i / channels, t = bt % length, b = bt / length;
    float acc = bias ? bias[c] : 0.f;
    // Same tap order as the CPU twin (oldest first) so the sums round alike.
    for (int64_t j = 0; j < kernel; ++j) {
      const int64_t src = t - kernel + 1 + j;
      if (src < 0) continue;
      acc += w[c * kernel + j] * x[(b * length + src) * channels + c];
    }
    y[i] = acc;
  }
}

}  // namespace

void causal_conv1d(const float* x, const float* w, const float* bias, int64_t batch, int64_t length,
                   int64_t channels, int64_t kernel, float* y) {
  const int64_t total = batch * length * channels;
  if (total == 0) return;
  causal_conv1d_kernel<<<grid_for(total), kThreads>>>(x, w, bias, length, channels, kernel, total, y);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

}  // namespace spindle::cuda
