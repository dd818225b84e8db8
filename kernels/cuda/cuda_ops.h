// CUDA twins of the CPU kernels (kernels/cpu/cpu_ops.h, kernels/cpu/scan_ops.h): same signatures,
// same semantics, every pointer a device pointer. Called only through the dispatch in
// kernels/ops.cpp and kernels/ops_scan.cpp, which has checked shapes, dtypes and devices.
// Work is queued on the default stream; errors of the launch are checked (file and line), errors
// of the run surface at the next synchronising call (a copy back to the host).
// They are compiled into libspindle_cuda.so and reached through cuda::backend() (backend_table.h),
// which throws Error with the reason when the backend is not available.
#pragma once

#include <cstdint>

#include "kernels/cpu/axial_attention.h"
#include "kernels/cpu/scan_ops.h"

namespace spindle::cuda {

// Row-major C[M,N] = alpha op(A) op(B) + beta C through cuBLAS. f32 keeps full f32 math (no TF32);
// bf16/f16 take raw uint16 bits and accumulate and write in f32 (cublasGemmEx, tensor cores).
void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
              int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void gemm_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a,
               int64_t lda, const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc);
void gemm_f16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a,
              int64_t lda, const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc);
// `batch` row-major f32 GEMMs C_i = alpha op(A_i) op(B_i) + beta C_i, X_i = X + i * stride_x.
void gemm_f32_strided_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                              const float* a, int64_t lda, int64_t stride_a, const float* b, int64_t ldb,
                              int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c, int64_t batch);
// True when p points into GPU memory (device or managed); false without a visible GPU. Lets the
// raw-pointer ops::gemm_* run where their output lives.
bool is_device_pointer(const void* p);
// out[r, c] = bias[c] (accumulate: out[r, c] += bias[c]); the bias half of linear().
void bias_rows(float* out, const float* bias, int64_t rows, int64_t cols, bool accumulate);

// Norms over the last dimension; statistics in f64 as on the CPU.
void layer_norm(const float* x, const float* w, const float* b, float eps, int64_t rows, int64_t cols, float* y);
void rms_norm(const float* x, const float* w, float eps, int64_t rows, int64_t cols, float* y);

// Element-wise activations (in place), softmax over rows, x += y.
void gelu_erf(float* x, int64_t n);
void gelu_tanh(float* x, int64_t n);
void silu(float* x, int64_t n);
void softplus(float* x, int64_t n);
void softmax(float* x, int64_t rows, int64_t cols);
void add(float* x, const float* y, int64_t n);

// ids (device i64) -> rows of table; throws Error naming the first id outside [0, vocab).
void embedding(const int64_t* ids, int64_t n, const float* table, int64_t vocab, int64_t dim, float* out);
// Causal depthwise conv, channels last (x [batch, length, channels], w [channels, kernel]).
void causal_conv1d(const float* x, const float* w, const float* bias, int64_t batch, int64_t length,
                   int64_t channels, int64_t kernel, float* y);
// Linear causal convolution of rows through cuFFT (R2C/C2R, zero padded to fft_conv_size(length)).
void fft_conv(const float* u, const float* k, bool k_shared, int64_t rows, int64_t length, float* y);

// Mamba selective scan: parallel over (batch, channel, time chunk); chunk end states are combined
// in a second pass and the chunks rescanned from their carried-in state.
void selective_scan(const cpu::SelectiveScanParams& p);
// Mamba2 SSD by chunks (chunk states, state passing, chunk outputs); p.chunk is ignored (the GPU
// picks its own chunk to fit shared memory; the result is the same function).
void ssd_scan_chunked(const cpu::SsdParams& p);
// MSA Transformer tied row attention (kernels/cpu/axial_attention.h): per row r, one strided-batched
// cuBLAS GEMM over the heads (no packing: a head's [cols, head_dim] slice has row stride heads *
// head_dim), logits accumulated over rows; the masked softmax fills then reuses softmax().
void axial_row_logits(const cpu::AxialRowShape& s, const float* q, const float* k, float scale, float* logits,
                      bool accumulate);
void axial_row_softmax(int64_t heads, int64_t cols, const uint8_t* key_mask, float mask_value, float* logits);
void axial_row_apply(const cpu::AxialRowShape& s, const float* probs, const float* v, float* out);
// Flash-style attention: one block per (batch, head, query block), online softmax over key tiles.
void attention(const cpu::AttentionParams& p);
// The same function with bf16 tensor-core products (f32 inputs converted while staged, f32 softmax
// and accumulation): ~1e-2 relative error instead of ~1e-6, for speed. head_dim 64 or 128, sm_80+.
// Not used by ops::attention; called directly (bench_core_gpu, tests) until an op asks for it.
void attention_tensor_cores(const cpu::AttentionParams& p);

}  // namespace spindle::cuda
