// Element-wise activations (grid-stride loops), softmax over rows (one block per row), x += y.
// The formulas are the CPU twin's, in the same f32 order, so results agree to a few ulp.
#include <cfloat>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

namespace spindle::cuda {
namespace {

template <typename F>
__global__ void map_kernel(float* x, int64_t n, F f) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    x[i] = f(x[i]);
}

template <typename F>
void map(float* x, int64_t n, F f) {
  if (n == 0) return;
  map_kernel<<<grid_for(n), kThreads>>>(x, n, f);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

struct GeluErf {
  __device__ float operator()(float v) const { return 0.5f * v * (1.f + erff(v * 0.70710678118654752f)); }
};
struct GeluTanh {
  __device__ float operator()(float v) const {
    return 0.5f * v * (1.f + tanhf(0.79788456080286536f * (v + 0.044715f * v * v * v)));
  }
};
struct Silu {
  __device__ float operator()(float v) const { return v / (1.f + expf(-v)); }
};
struct Softplus {  // linear above 20, as PyTorch's threshold does
  __device__ float operator()(float v) const { return v > 20.f ? v : log1pf(expf(v)); }
};

__global__ void softmax_kernel(float* x, int64_t cols) {
  __shared__ float shared_max[32];
  __shared__ double shared_sum[32];
  float* xr = x + blockIdx.x * cols;
  float mx = -FLT_MAX;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) mx = fmaxf(mx, xr[c]);
  mx = block_max(mx, shared_max);
  double sum = 0;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const float e = expf(xr[c] - mx);
    xr[c] = e;
    sum += e;
  }
  const float inv = static_cast<float>(1.0 / block_sum(sum, shared_sum));
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) xr[c] *= inv;
}

__global__ void add_kernel(float* x, const float* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    x[i] += y[i];
}

}  // namespace

void gelu_erf(float* x, int64_t n) { map(x, n, GeluErf{}); }
void gelu_tanh(float* x, int64_t n) { map(x, n, GeluTanh{}); }
void silu(float* x, int64_t n) { map(x, n, Silu{}); }
void softplus(float* x, int64_t n) { map(x, n, Softplus{}); }

void softmax(float* x, int64_t rows, int64_t cols) {
  constexpr int64_t kMaxRows = 0x7fffffff;
  for (int64_t r0 = 0; r0 < rows && cols > 0; r0 += kMaxRows) {
    softmax_kernel<<<static_cast<unsigned>(std::min(kMaxRows, rows - r0)), 128>>>(x + r0 * cols, cols);
    SPINDLE_CUDA_LAUNCH_CHECK();
  }
}

void add(float* x, const float* y, int64_t n) {
  if (n == 0) return;
  add_kernel<<<grid_for(n), kThreads>>>(x, y, n);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

}  // namespace spindle::cuda
