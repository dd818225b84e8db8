// CUDA twins of kernels/cpu/hyena.cpp (HyenaDNA's operator and implicit filter): the same
// formulas in the same precision (pre-norm statistics and the filter's sine MLP and decay window in
// f64), as simple grid-stride kernels; the filter's last projection goes through cuBLAS.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

namespace spindle::cuda {
namespace {

#define SPINDLE_GRID_STRIDE(i, n) \
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

constexpr int kRowThreads = 128;

// One block per row (grid-stride over rows): mean and 1/sqrt(var + eps) accumulated in f64.
__global__ void prenorm_stats_kernel(const float* x, int64_t rows, int64_t cols, float eps, float* stats) {
  __shared__ double shared[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* row = x + r * cols;
    double sum = 0;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) sum += row[c];
    const double mean = block_sum(sum, shared) / cols;
    double var = 0;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) var += (row[c] - mean) * (row[c] - mean);
    var = block_sum(var, shared) / cols;
    if (threadIdx.x == 0) {
      stats[2 * r] = static_cast<float>(mean);
      stats[2 * r + 1] = static_cast<float>(1.0 / sqrt(var + eps));
    }
  }
}

__global__ void prenorm_apply_kernel(const float* x, const float* stats, const float* w, const float* b,
                                     int64_t rows, int64_t cols, float* y) {
  SPINDLE_GRID_STRIDE(i, rows * cols) {
    const int64_t r = i / cols, c = i - r * cols;
    y[i] = (x[i] - stats[2 * r]) * stats[2 * r + 1] * w[c] + b[c];
  }
}

// One thread per output (channel, position); taps in the CPU twin's order (oldest first).
__global__ void short_conv_transpose_kernel(const float* x, const float* w, const float* bias, int64_t length,
                                            int64_t channels, int64_t kernel, float* y) {
  SPINDLE_GRID_STRIDE(i, channels * length) {
    const int64_t ch = i / length, t = i - ch * length;
    float acc = bias[ch];
    for (int64_t j = 0; j < kernel; ++j) {
      const int64_t src = t - kernel + 1 + j;
      if (src >= 0) acc += w[ch * kernel + j] * x[src * channels + ch];
    }
    y[i] = acc;
  }
}

__global__ void conv_skip_kernel(float* v, const float* conv, const float* skip, int64_t rows, int64_t length) {
  SPINDLE_GRID_STRIDE(i, rows * length) v[i] = conv[i] + skip[i / length] * v[i];
}

// Indexed by output (position-major) so the writes to y are coalesced.
__global__ void gate_transpose_kernel(const float* v, const float* gate, int64_t channels, int64_t length, float* y,
                                      int64_t y_stride) {
  SPINDLE_GRID_STRIDE(i, length * channels) {
    const int64_t t = i / channels, j = i - t * channels;
    y[t * y_stride + j] = v[j * length + t] * gate[j * length + t];
  }
}

// One block per position (grid-stride), one thread per MLP output; activations in shared memory
// as f64: 2 * width doubles of dynamic shared memory, ping-ponged between layers.
__global__ void filter_mlp_kernel(const float* z, int64_t length, int64_t emb_dim, int64_t width, int64_t layers,
                                  const float* weights, const float* biases, const float* freq, float* hidden) {
  extern __shared__ double activations[];
  double* input = activations;
  double* output = activations + width;
  const int64_t o = threadIdx.x;
  for (int64_t n = blockIdx.x; n < length; n += gridDim.x) {
    for (int64_t i = threadIdx.x; i < emb_dim; i += blockDim.x) input[i] = z[n * emb_dim + i];
    __syncthreads();
    for (int64_t l = 0; l < layers; ++l) {
      const int64_t in = l == 0 ? emb_dim : width;
      const float* w = weights + (l == 0 ? 0 : width * emb_dim + (l - 1) * width * width);
      if (o < width) {
        double acc = biases[l * width + o];
        for (int64_t i = 0; i < in; ++i) acc += static_cast<double>(w[o * in + i]) * input[i];
        output[o] = sin(static_cast<double>(freq[o]) * acc);
      }
      __syncthreads();
      double* swap = input;
      input = output;
      output = swap;
    }
    if (o < width) hidden[n * width + o] = static_cast<float>(input[o]);
    __syncthreads();  // input is rewritten by the next position
  }
}

__global__ void decay_window_kernel(float* k, int64_t rows, int64_t length, const float* decay_rate, const float* t,
                                    double shift) {
  SPINDLE_GRID_STRIDE(i, rows * length) {
    const int64_t ch = i / length, pos = i - ch * length;
    const double rate = fabs(static_cast<double>(decay_rate[ch]));
    k[i] = static_cast<float>(k[i] * (exp(-static_cast<double>(t[pos]) * rate) + shift));
  }
}

#undef SPINDLE_GRID_STRIDE

// A grid of at most this many blocks walks its rows/positions with a block stride.
unsigned row_grid(int64_t rows) { return static_cast<unsigned>(std::min<int64_t>(rows, 65535LL * 32)); }

}  // namespace

void hyena_prenorm_stats(const float* x, int64_t rows, int64_t cols, float eps, float* stats) {
  if (rows == 0) return;
  prenorm_stats_kernel<<<row_grid(rows), kRowThreads>>>(x, rows, cols, eps, stats);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

void hyena_prenorm_apply(const float* x, const float* stats, const float* w, const float* b, int64_t rows,
                         int64_t cols, float* y) {
  if (rows * cols == 0) return;
  prenorm_apply_kernel<<<grid_for(rows * cols), kThreads>>>(x, stats, w, b, rows, cols, y);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

void hyena_short_conv_transpose(const float* x, const float* w, const float* bias, int64_t length, int64_t channels,
                                int64_t kernel, float* y) {
  if (length * channels == 0) return;
  short_conv_transpose_kernel<<<grid_for(length * channels), kThreads>>>(x, w, bias, length, channels, kernel, y);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

void hyena_conv_skip(float* v, const float* conv, const float* skip, int64_t rows, int64_t length) {
  if (rows * length == 0) return;
  conv_skip_kernel<<<grid_for(rows * length), kThreads>>>(v, conv, skip, rows, length);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

void hyena_gate_transpose(const float* v, const float* gate, int64_t channels, int64_t length, float* y,
                          int64_t y_stride) {
  if (channels * length == 0) return;
  gate_transpose_kernel<<<grid_for(channels * length), kThreads>>>(v, gate, channels, length, y, y_stride);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

void hyena_filter_mlp(const float* z, int64_t length, int64_t emb_dim, int64_t width, int64_t layers,
                      const float* weights, const float* biases, const float* freq, float* hidden) {
  // width == 0 leaves hidden [length, 0] empty, as on the CPU; without this return the launch below
  // would ask for 0 threads per block (cudaErrorInvalidConfiguration).
  if (length == 0 || width == 0) return;
  // One thread per output; the first layer's input (emb_dim values) shares the same buffer.
  if (width > 1024 || emb_dim > width)
    throw Error("hyena_filter_mlp: the CUDA kernel takes width <= 1024 and emb_dim <= width, got width " +
                std::to_string(width) + ", emb_dim " + std::to_string(emb_dim));
  const int threads = static_cast<int>((width + 31) / 32 * 32);
  const size_t shared = 2 * static_cast<size_t>(width) * sizeof(double);
  filter_mlp_kernel<<<row_grid(length), threads, shared>>>(z, length, emb_dim, width, layers, weights, biases, freq,
                                                           hidden);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

void hyena_filter_project(const float* hidden, int64_t length, int64_t width, const float* weight,
                          const float* decay_rate, int64_t rows, const float* t, double shift, float* k) {
  if (rows * length == 0) return;
  // k[rows, L] = W[rows, F] . hidden[L, F]^T (cuBLAS, f32 as on the CPU), then the window in place.
  gemm_f32(false, true, rows, length, width, 1.f, weight, width, hidden, width, 0.f, k, length);
  decay_window_kernel<<<grid_for(rows * length), kThreads>>>(k, rows, length, decay_rate, t, shift);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

}  // namespace spindle::cuda
