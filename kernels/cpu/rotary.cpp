// Rotary position embedding (RotaryParams in kernels/kernel_params.h), in place.
#include <cmath>
#include <vector>

#include "kernels/kernels.h"

namespace spindle::cpu {

void rotary(const RotaryParams& p) {
  const int64_t half = p.rotary_dim / 2;
  if (half == 0) return;
#pragma omp parallel for if (p.rows * p.heads * p.head_dim > (1 << 15))
  for (int64_t r = 0; r < p.rows; ++r) {
    const int64_t position = p.pos0 + (p.period > 0 ? r % p.period : r);
    std::vector<float> cos_t(half), sin_t(half);
    for (int64_t i = 0; i < half; ++i) {
      const float angle = static_cast<float>(position) * p.inv_freq[i];  // f32 product, as the references
      cos_t[i] = static_cast<float>(std::cos(static_cast<double>(angle)));
      sin_t[i] = static_cast<float>(std::sin(static_cast<double>(angle)));
    }
    for (int64_t h = 0; h < p.heads; ++h) {
      float* u = p.x + (r * p.heads + h) * p.head_dim;
      for (int64_t i = 0; i < half; ++i) {
        // Non-interleaved: pairs (i, i + half), rot(u) = [-u2, u1]; interleaved: pairs (2i, 2i + 1).
        float& a = p.interleaved ? u[2 * i] : u[i];
        float& b = p.interleaved ? u[2 * i + 1] : u[i + half];
        const float x1 = a, x2 = b;
        a = x1 * cos_t[i] - x2 * sin_t[i];
        b = x2 * cos_t[i] + x1 * sin_t[i];
      }
    }
  }
}

}  // namespace spindle::cpu
