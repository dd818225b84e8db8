// LayerNorm and RMSNorm over the last dimension: one block per row, statistics accumulated in f64
// (as the CPU twin does) so long rows and large offsets keep their precision; the kernel is bound
// by memory traffic, not by the f64 adds.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

namespace spindle::cuda {
namespace {

constexpr int kNormThreads = 128;

__global__ void layer_norm_kernel(const float* x, const float* w, const float* b, float eps, int64_t cols, float* y) {
  __shared__ double shared[32];
  const float* xr = x + blockIdx.x * cols;
  float* yr = y + blockIdx.x * cols;
  double sum = 0;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) sum += xr[c];
  const double mean = block_sum(sum, shared) / cols;
  double var = 0;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const double d = xr[c] - mean;
    var += d * d;
  }
  var = block_sum(var, shared) / cols;
  const float inv = static_cast<float>(1.0 / sqrt(var + eps));
  const float meanf = static_cast<float>(mean);
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) yr[c] = (xr[c] - meanf) * inv * w[c] + (b ? b[c] : 0.f);
}

__global__ void rms_norm_kernel(const float* x, const float* w, float eps, int64_t cols, float* y) {
  __shared__ double shared[32];
  const float* xr = x + blockIdx.x * cols;
  float* yr = y + blockIdx.x * cols;
  double sq = 0;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) sq += static_cast<double>(xr[c]) * xr[c];
  sq = block_sum(sq, shared);
  const float inv = static_cast<float>(1.0 / sqrt(sq / cols + eps));
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) yr[c] = xr[c] * inv * w[c];
}

// gridDim.x is limited to 2^31 - 1 rows per launch; larger inputs go in slices.
template <typename Launch>
void over_rows(int64_t rows, int64_t cols, Launch launch) {
  constexpr int64_t kMaxRows = 0x7fffffff;
  for (int64_t r0 = 0; r0 < rows; r0 += kMaxRows) launch(r0, std::min(kMaxRows, rows - r0));
}

}  // namespace

void layer_norm(const float* x, const float* w, const float* b, float eps, int64_t rows, int64_t cols, float* y) {
  if (rows == 0 || cols == 0) return;
  over_rows(rows, cols, [&](int64_t r0, int64_t n) {
    layer_norm_kernel<<<static_cast<unsigned>(n), kNormThreads>>>(x + r0 * cols, w, b, eps, cols, y + r0 * cols);
    SPINDLE_CUDA_LAUNCH_CHECK();
  });
}

void rms_norm(const float* x, const float* w, float eps, int64_t rows, int64_t cols, float* y) {
  if (rows == 0 || cols == 0) return;
  over_rows(rows, cols, [&](int64_t r0, int64_t n) {
    rms_norm_kernel<<<static_cast<unsigned>(n), kNormThreads>>>(x + r0 * cols, w, eps, cols, y + r0 * cols);
    SPINDLE_CUDA_LAUNCH_CHECK();
  });
}

}  // namespace spindle::cuda
