// CPU kernels of the MSA Transformer's ops (kernels/ops_msa.cpp).
#include "kernels/kernels.h"

namespace spindle::cpu {

void index_add_rows(float* x, const int64_t* index, const float* src, int64_t n, int64_t cols) {
  // Distinct indices: rows never collide, so threads need no synchronisation.
#pragma omp parallel for if (n * cols > (1 << 16))
  for (int64_t i = 0; i < n; ++i) {
    float* dst = x + index[i] * cols;
    const float* from = src + i * cols;
    for (int64_t c = 0; c < cols; ++c) dst[c] += from[c];
  }
}

}  // namespace spindle::cpu
