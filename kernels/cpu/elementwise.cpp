// Element-wise and per-row kernels that models once wrote as loops of their own.
#include "kernels/kernels.h"
#include "kernels/tensor.h"

namespace spindle::cpu {

namespace {
// Below this many elements a thread team costs more than the loop.
constexpr int64_t kParallelMin = 1 << 16;
}  // namespace

void bias_rows(float* out, const float* bias, int64_t rows, int64_t cols, bool accumulate) {
  if (accumulate) {
#pragma omp parallel for if (rows * cols > kParallelMin)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) out[i * cols + j] += bias[j];
  } else {
#pragma omp parallel for if (rows * cols > kParallelMin)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) out[i * cols + j] = bias[j];
  }
}

void mul(float* x, const float* y, int64_t n) {
#pragma omp parallel for simd if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) x[i] *= y[i];
}

void scale(float* x, float s, int64_t n) {
#pragma omp parallel for simd if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) x[i] *= s;
}

void scale_rows(float* x, const float* row_scale, int64_t rows, int64_t cols) {
#pragma omp parallel for if (rows * cols > kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    const float s = row_scale[r];
    for (int64_t c = 0; c < cols; ++c) x[r * cols + c] *= s;
  }
}

void f32_to_bf16(const float* x, int64_t n, uint16_t* y) {
#pragma omp parallel for if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) y[i] = spindle::f32_to_bf16(x[i]);
}

}  // namespace spindle::cpu
