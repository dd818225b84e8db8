// Tied row attention of the MSA Transformer on the GPU, the twin of kernels/cpu/axial_attention.cpp.
// With q, k, v laid out [rows, cols, heads, head_dim], head h of row r is a [cols, head_dim] matrix
// at offset (r cols heads + h) head_dim with row stride heads * head_dim, and consecutive heads are
// head_dim apart: one strided-batched GEMM per row covers all heads, with no packing copies.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

namespace spindle::cuda {
namespace {

// A fill, as masked_fill does (fair-esm uses -10000, not -inf), before the softmax.
__global__ void fill_masked_keys(float* logits, int64_t rows, int64_t cols, const uint8_t* key_mask, float value) {
  const int64_t total = rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x)
    if (!key_mask[i % cols]) logits[i] = value;
}

}  // namespace

void axial_row_logits(const AxialRowShape& s, const float* q, const float* k, float scale, float* logits,
                      bool accumulate) {
  const int64_t C = s.cols, H = s.heads, Dh = s.head_dim;
  if (!accumulate) SPINDLE_CUDA_CHECK(cudaMemsetAsync(logits, 0, H * C * C * sizeof(float), 0));
  for (int64_t r = 0; r < s.rows; ++r) {
    const int64_t at = r * C * H * Dh;
    gemm_f32_strided_batched(false, true, C, C, Dh, scale, q + at, H * Dh, Dh, k + at, H * Dh, Dh, 1.f, logits, C,
                             C * C, H);
  }
}

void axial_row_softmax(int64_t heads, int64_t cols, const uint8_t* key_mask, float mask_value, float* logits) {
  if (heads * cols == 0) return;
  if (key_mask) {
    fill_masked_keys<<<grid_for(heads * cols * cols), kThreads>>>(logits, heads * cols, cols, key_mask, mask_value);
    SPINDLE_CUDA_LAUNCH_CHECK();
  }
  softmax(logits, heads * cols, cols);
}

void axial_row_apply(const AxialRowShape& s, const float* probs, const float* v, float* out) {
  const int64_t C = s.cols, H = s.heads, Dh = s.head_dim;
  for (int64_t r = 0; r < s.rows; ++r) {
    const int64_t at = r * C * H * Dh;
    gemm_f32_strided_batched(false, false, C, Dh, C, 1.f, probs, C, C * C, v + at, H * Dh, Dh, 0.f, out + at, H * Dh,
                             Dh, H);
  }
}

}  // namespace spindle::cuda
