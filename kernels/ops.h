// The op catalogue: every numerical op is a free function on tensors. Each checks shapes and
// dtypes, then dispatches on the device to kernels/cpu/<op>.cpp or kernels/cuda/<op>.cu. The CPU
// path is the reference and the fallback. Unless stated, inputs are f32, contiguous, row-major.
#pragma once

#include <cstdint>

#include "kernels/tensor.h"

namespace spindle::ops {

// ---- GEMM (oneDNN) ---------------------------------------------------------------------------
// Row-major C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C, op = transpose when t* is true.
void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
              int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
// Same with bf16 inputs (raw uint16 bits) and f32 accumulation/output.
void gemm_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a,
               int64_t lda, const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc);

// y[..., N] = x[..., K] @ weight[N, K]^T (+ bias[N]). The PyTorch nn.Linear convention.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor* bias = nullptr);
// As linear, writing into `out` (shape [..., N]); beta = 1 accumulates into out.
void linear_into(const Tensor& x, const Tensor& weight, const Tensor* bias, Tensor& out, float beta = 0.f);
// 2-D matrix product with optional transposes.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

// ---- norms and activations (over the last dimension) -------------------------------------------
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor* bias, float eps);
Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps);
void gelu_erf_(Tensor& x);   // in place: 0.5 x (1 + erf(x / sqrt 2))
void gelu_tanh_(Tensor& x);  // in place: 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)))
void silu_(Tensor& x);       // in place: x * sigmoid(x)
void softplus_(Tensor& x);   // in place: log(1 + e^x), linear above 20 as PyTorch does
void softmax_(Tensor& x);    // in place over the last dimension
void add_(Tensor& x, const Tensor& y);  // in place x += y, same shape

// ---- lookups and convolutions ----------------------------------------------------------------
// ids (i64, any shape S) -> [S..., D] rows of table [V, D]. Throws Error for an id outside [0, V).
Tensor embedding(const Tensor& ids, const Tensor& table);
// Causal depthwise conv over time, channels last: x [B, L, C], weight [C, K], bias [C] or null.
// y[b,t,c] = bias[c] + sum_k weight[c,k] * x[b, t-K+1+k, c] (zero left padding).
Tensor causal_conv1d(const Tensor& x, const Tensor& weight, const Tensor* bias);
// Linear causal convolution of each row through FFT: u [N, L], k [N, L] (or [L], shared by rows)
// -> y [N, L], y[n,t] = sum_{s<=t} k[n,s] u[n,t-s]. Any L; FFT plans are cached per size.
Tensor fft_conv(const Tensor& u, const Tensor& k);
// The FFT size used for a linear convolution of length L (smallest 2^a 3^b 5^c 7^d >= 2L - 1).
int64_t fft_conv_size(int64_t length);

}  // namespace spindle::ops
