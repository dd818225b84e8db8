// GEMM through cuBLAS. cuBLAS is column-major: a row-major C[M,N] is the column-major C^T[N,M], so
// C = op(A) op(B) is computed as C^T = op(B)^T op(A)^T, i.e. the operands swap places and keep
// their transpose flags and leading dimensions.
#include <cublas_v2.h>

#include <climits>
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

#define SPINDLE_CUBLAS_CHECK(call)                                                                  \
  do {                                                                                              \
    cublasStatus_t status_ = (call);                                                                \
    if (status_ != CUBLAS_STATUS_SUCCESS)                                                           \
      throw ::spindle::Error(std::string("cuBLAS error: ") + cublasGetStatusString(status_) +      \
                             " in " #call " at " __FILE__ ":" + std::to_string(__LINE__));          \
  } while (0)

namespace spindle::cuda {
namespace {

// One handle per host thread (a handle must not be used by two threads at once). Never destroyed:
// destroying it in a static destructor can run after the CUDA context is gone.
cublasHandle_t handle() {
  thread_local cublasHandle_t h = [] {
    cublasHandle_t created = nullptr;
    SPINDLE_CUBLAS_CHECK(cublasCreate(&created));
    // f32 GEMMs stay f32: the default math mode never substitutes TF32.
    SPINDLE_CUBLAS_CHECK(cublasSetMathMode(created, CUBLAS_DEFAULT_MATH));
    return created;
  }();
  return h;
}

int as_int(int64_t v, const char* what) {
  if (v < 0 || v > INT_MAX) throw Error(std::string("gemm: ") + what + " = " + std::to_string(v) + " exceeds cuBLAS's int range");
  return static_cast<int>(v);
}

cublasOperation_t op(bool trans) { return trans ? CUBLAS_OP_T : CUBLAS_OP_N; }

void gemm_ex(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const void* a, int64_t lda,
             const void* b, int64_t ldb, float beta, float* c, int64_t ldc, cudaDataType_t in_type) {
  if (m == 0 || n == 0) return;
  SPINDLE_CUBLAS_CHECK(cublasGemmEx(handle(), op(trans_b), op(trans_a), as_int(n, "n"), as_int(m, "m"),
                                    as_int(k, "k"), &alpha, b, in_type, as_int(ldb, "ldb"), a, in_type,
                                    as_int(lda, "lda"), &beta, c, CUDA_R_32F, as_int(ldc, "ldc"),
                                    CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

__global__ void bias_rows_kernel(float* out, const float* bias, int64_t rows, int64_t cols, bool accumulate) {
  const int64_t total = rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const float bv = bias[i % cols];
    out[i] = accumulate ? out[i] + bv : bv;
  }
}

}  // namespace

void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
              int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  SPINDLE_CUBLAS_CHECK(cublasSgemm(handle(), op(trans_b), op(trans_a), as_int(n, "n"), as_int(m, "m"),
                                   as_int(k, "k"), &alpha, b, as_int(ldb, "ldb"), a, as_int(lda, "lda"), &beta, c,
                                   as_int(ldc, "ldc")));
}

void gemm_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a,
               int64_t lda, const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  gemm_ex(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, CUDA_R_16BF);
}

void gemm_f16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a,
              int64_t lda, const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  gemm_ex(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, CUDA_R_16F);
}

void gemm_f32_strided_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                              const float* a, int64_t lda, int64_t stride_a, const float* b, int64_t ldb,
                              int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c, int64_t batch) {
  if (m == 0 || n == 0 || batch == 0) return;
  SPINDLE_CUBLAS_CHECK(cublasSgemmStridedBatched(handle(), op(trans_b), op(trans_a), as_int(n, "n"), as_int(m, "m"),
                                                 as_int(k, "k"), &alpha, b, as_int(ldb, "ldb"), stride_b, a,
                                                 as_int(lda, "lda"), stride_a, &beta, c, as_int(ldc, "ldc"), stride_c,
                                                 as_int(batch, "batch")));
}

bool is_device_pointer(const void* p) {
  static const bool any_gpu = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) cudaGetLastError();
    return n > 0;
  }();
  if (!any_gpu || p == nullptr) return false;
  cudaPointerAttributes attr{};
  if (cudaPointerGetAttributes(&attr, p) != cudaSuccess) {
    cudaGetLastError();  // an unknown host pointer is not an error worth keeping
    return false;
  }
  return attr.type == cudaMemoryTypeDevice || attr.type == cudaMemoryTypeManaged;
}

void bias_rows(float* out, const float* bias, int64_t rows, int64_t cols, bool accumulate) {
  if (rows * cols == 0) return;
  bias_rows_kernel<<<grid_for(rows * cols), kThreads>>>(out, bias, rows, cols, accumulate);
  SPINDLE_CUDA_LAUNCH_CHECK();
}

}  // namespace spindle::cuda
