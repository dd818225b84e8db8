#include <cstring>
#include <string>

#include "kernels/kernels.h"

namespace spindle::cpu {

void embedding(const int64_t* ids, int64_t n, const float* table, int64_t vocab, int64_t dim, float* out) {
  for (int64_t i = 0; i < n; ++i)
    if (ids[i] < 0 || ids[i] >= vocab)
      throw Error("token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                  " is outside the vocabulary [0, " + std::to_string(vocab) + ")");
#pragma omp parallel for if (n * dim > 65536)
  for (int64_t i = 0; i < n; ++i) std::memcpy(out + i * dim, table + ids[i] * dim, dim * sizeof(float));
}

}  // namespace spindle::cpu
