// CPU implementations behind kernels/ops.h. Called only through the dispatch in kernels/ops.cpp,
// which has already checked shapes and dtypes.
#pragma once

#include "kernels/ops.h"

namespace spindle::cpu {

void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
              int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void gemm_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a,
               int64_t lda, const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc);

void gemm_s8s8s32_nt(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb,
                     int32_t* c, int64_t ldc);

void layer_norm(const float* x, const float* w, const float* b, float eps, int64_t rows, int64_t cols, float* y);
void rms_norm(const float* x, const float* w, float eps, int64_t rows, int64_t cols, float* y);
void gelu_erf(float* x, int64_t n);
void gelu_tanh(float* x, int64_t n);
void silu(float* x, int64_t n);
void softplus(float* x, int64_t n);
void softmax(float* x, int64_t rows, int64_t cols);
void add(float* x, const float* y, int64_t n);
void embedding(const int64_t* ids, int64_t n, const float* table, int64_t vocab, int64_t dim, float* out);
void causal_conv1d(const float* x, const float* w, const float* bias, int64_t batch, int64_t length,
                   int64_t channels, int64_t kernel, float* y);
// rows x length; k_shared: one filter for all rows.
void fft_conv(const float* u, const float* k, bool k_shared, int64_t rows, int64_t length, float* y);
// Smallest 2^a 3^b 5^c 7^d >= 2L - 1 (inline: the CUDA backend library uses it too).
inline int64_t fft_conv_size(int64_t length) {
  const int64_t target = length * 2 - 1 > 1 ? length * 2 - 1 : 1;
  for (int64_t n = target;; ++n) {
    int64_t r = n;
    for (int64_t p : {2, 3, 5, 7})
      while (r % p == 0) r /= p;
    if (r == 1) return n;
  }
}

}  // namespace spindle::cpu
