// What the .cu files of the CUDA backend share. The kernels themselves (namespace cuda, the same
// signatures and semantics as their CPU twins) are declared from the op table in kernels/kernels.h;
// every pointer they take is a device pointer. Work is queued on the default stream; launch errors
// are checked (file and line), errors of the run surface at the next synchronising call.
// Everything here is compiled into libspindle_cuda.so and reached through cuda::backend()
// (backend_table.h), which throws Error with the reason when the backend is not available.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace spindle::cuda {

// `batch` row-major f32 GEMMs C_i = alpha op(A_i) op(B_i) + beta C_i, X_i = X + i * stride_x
// (cuBLAS, full f32 math). Used inside the backend (axial attention); not an op of its own.
void gemm_f32_strided_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                              const float* a, int64_t lda, int64_t stride_a, const float* b, int64_t ldb,
                              int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c, int64_t batch);

}  // namespace spindle::cuda
