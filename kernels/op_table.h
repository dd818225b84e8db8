// The op table: every kernel of the catalogue, once. From this list come
//   - the declarations of the CPU kernels (namespace cpu, kernels/cpu/*.cpp) and of their CUDA
//     twins (namespace cuda, kernels/cuda/*.cu), with identical signatures (kernels/kernels.h);
//   - the Op enum, op names and the function table each backend fills (KernelTable): the CPU one
//     in kernels/cpu/kernel_table.cpp, the CUDA one exported by libspindle_cuda.so;
//   - the one dispatch, kernels_for(op, dtype, device), and supports_op(op, dtypes, device);
//   - the cross-backend test list: tests/kernels/backend_ops_test.cpp fails for an op without a
//     case (a float64 reference and a tolerance per dtype).
// Adding an op: one line here, cpu/<family>.cpp, cuda/<family>.cu, a case in backend_ops_test.cpp,
// and the tensor-level function in ops.h that checks shapes and calls kernels_for().
//
// X(name, backends, dtype, (parameters)):
//   backends  cpu_cuda (both), cpu_only, cuda_only: a backend without the kernel holds nullptr and
//             kernels_for() names the op, dtype and device in its error.
//   dtype     the element type of the op's floating-point tensors (index and mask tensors aside).
// Every pointer is on the device the kernel runs on; every kernel returns void.
#pragma once

#include <cstdint>

#include "kernels/kernel_params.h"

// clang-format off
#define SPINDLE_OP_TABLE(X)                                                                                   \
  /* ---- matrix products (cpu: oneDNN, cuda: cuBLAS) ---- */                                                \
  X(gemm_f32, cpu_cuda, f32, (bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,        \
      const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc))            \
  X(gemm_bf16, cpu_cuda, bf16, (bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,      \
      const uint16_t* a, int64_t lda, const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc))      \
  X(gemm_f16, cuda_only, f16, (bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,       \
      const uint16_t* a, int64_t lda, const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc))      \
  X(gemm_s8s8s32_nt, cpu_only, i8, (int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda,            \
      const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc))                                                  \
  X(bias_rows, cpu_cuda, f32, (float* out, const float* bias, int64_t rows, int64_t cols, bool accumulate))   \
  /* ---- norms, activations, element-wise ---- */                                                          \
  X(layer_norm, cpu_cuda, f32, (const float* x, const float* w, const float* b, float eps, int64_t rows,       \
      int64_t cols, float* y))                                                                                 \
  X(rms_norm, cpu_cuda, f32, (const float* x, const float* w, float eps, int64_t rows, int64_t cols, float* y)) \
  X(gelu_erf, cpu_cuda, f32, (float* x, int64_t n))                                                           \
  X(gelu_tanh, cpu_cuda, f32, (float* x, int64_t n))                                                          \
  X(silu, cpu_cuda, f32, (float* x, int64_t n))                                                               \
  X(softplus, cpu_cuda, f32, (float* x, int64_t n))                                                           \
  X(softmax, cpu_cuda, f32, (float* x, int64_t rows, int64_t cols))                                           \
  X(add, cpu_cuda, f32, (float* x, const float* y, int64_t n))                                                \
  X(mul, cpu_cuda, f32, (float* x, const float* y, int64_t n))                                                \
  X(scale, cpu_cuda, f32, (float* x, float s, int64_t n))                                                     \
  X(scale_rows, cpu_cuda, f32, (float* x, const float* row_scale, int64_t rows, int64_t cols))                \
  X(f32_to_bf16, cpu_cuda, bf16, (const float* x, int64_t n, uint16_t* y))                                     \
  /* ---- lookups, positions, convolutions ---- */                                                          \
  X(embedding, cpu_cuda, f32, (const int64_t* ids, int64_t n, const float* table, int64_t vocab, int64_t dim,  \
      float* out))                                                                                             \
  X(rotary, cpu_cuda, f32, (const spindle::RotaryParams& p))                                                  \
  X(causal_conv1d, cpu_cuda, f32, (const float* x, const float* w, const float* bias, int64_t batch,          \
      int64_t length, int64_t channels, int64_t kernel, float* y))                                             \
  X(fft_conv, cpu_cuda, f32, (const float* u, const float* k, bool k_shared, int64_t rows, int64_t length,     \
      float* y))                                                                                               \
  /* ---- Hyena operator and filter (HyenaDNA) ---- */                                                      \
  X(hyena_prenorm_stats, cpu_cuda, f32, (const float* x, int64_t rows, int64_t cols, float eps,               \
      float* stats))                                                                                          \
  X(hyena_prenorm_apply, cpu_cuda, f32, (const float* x, const float* stats, const float* w, const float* b,  \
      int64_t rows, int64_t cols, float* y))                                                                  \
  X(hyena_short_conv_transpose, cpu_cuda, f32, (const float* x, const float* w, const float* bias,            \
      int64_t length, int64_t channels, int64_t kernel, float* y))                                            \
  X(hyena_conv_skip, cpu_cuda, f32, (float* v, const float* conv, const float* skip, int64_t rows,            \
      int64_t length))                                                                                        \
  X(hyena_gate_transpose, cpu_cuda, f32, (const float* v, const float* gate, int64_t channels,                \
      int64_t length, float* y, int64_t y_stride))                                                            \
  X(hyena_filter_mlp, cpu_cuda, f32, (const float* z, int64_t length, int64_t emb_dim, int64_t width,         \
      int64_t layers, const float* weights, const float* biases, const float* freq, float* hidden))           \
  X(hyena_filter_project, cpu_cuda, f32, (const float* hidden, int64_t length, int64_t width,                 \
      const float* weight, const float* decay_rate, int64_t rows, const float* t, double shift, float* k))    \
  /* ---- Mamba family, hybrid attention layer, Caduceus ---- */                                            \
  X(gated_rms_norm, cpu_cuda, f32, (const float* y, const float* z, const float* w, int64_t rows, int64_t cols, \
      int64_t group_size, float eps, bool norm_before_gate, float* out))                                       \
  X(copy_columns, cpu_cuda, f32, (const float* src, int64_t src_cols, int64_t src_c0, float* dst,              \
      int64_t dst_cols, int64_t dst_c0, int64_t rows, int64_t width, bool accumulate))                         \
  X(flip, cpu_cuda, f32, (const float* x, int64_t rows, int64_t cols, bool flip_rows, bool flip_cols, float* y)) \
  X(dt_softplus, cpu_cuda, f32, (float* dt, const float* bias, int64_t rows, int64_t cols, float lo, float hi)) \
  X(add_scaled_columns, cpu_cuda, f32, (float* y, const float* x, const float* scale, int64_t rows,           \
      int64_t cols))                                                                                           \
  /* ---- MSA Transformer ---- */                                                                           \
  X(index_add_rows, cpu_cuda, f32, (float* x, const int64_t* index, const float* src, int64_t n, int64_t cols))  \
  /* ---- state-space scans ---- */                                                                         \
  X(selective_scan, cpu_cuda, f32, (const spindle::SelectiveScanParams& p))                                   \
  X(ssd_scan_chunked, cpu_cuda, f32, (const spindle::SsdParams& p))                                           \
  X(ssd_scan_sequential, cpu_only, f32, (const spindle::SsdParams& p))                                        \
  /* ---- attention ---- */                                                                                 \
  X(attention, cpu_cuda, f32, (const spindle::AttentionParams& p))                                            \
  X(attention_tensor_cores, cuda_only, bf16, (const spindle::AttentionParams& p))                             \
  X(axial_row_logits, cpu_cuda, f32, (const spindle::AxialRowShape& s, const float* q, const float* k,        \
      float scale, float* logits, bool accumulate))                                                            \
  X(axial_row_softmax, cpu_cuda, f32, (int64_t heads, int64_t cols, const uint8_t* key_mask, float mask_value, \
      float* logits))                                                                                          \
  X(axial_row_apply, cpu_cuda, f32, (const spindle::AxialRowShape& s, const float* probs, const float* v,     \
      float* out))
// clang-format on
