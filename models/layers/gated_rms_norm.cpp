#include "models/layers/gated_rms_norm.h"

#include <cmath>

namespace spindle {

Tensor gated_rms_norm(const Tensor& y, const Tensor* z, const Tensor& weight, int64_t group_size, float eps,
                      bool norm_before_gate) {
  const int64_t T = y.dim(0), C = y.dim(1);
  SPINDLE_ASSERT(group_size > 0 && C % group_size == 0 && weight.numel() == C);
  Tensor out = Tensor::empty({T, C});
  const float* yd = y.data<float>();
  const float* zd = z ? z->data<float>() : nullptr;
  const float* w = weight.data<float>();
  float* o = out.data<float>();
#pragma omp parallel for if (T * C > 65536)
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t g0 = 0; g0 < C; g0 += group_size) {
      const int64_t base = t * C + g0;
      // Gate first (the default) or after the norm.
      for (int64_t c = 0; c < group_size; ++c) {
        float v = yd[base + c];
        if (zd && !norm_before_gate) v *= zd[base + c] / (1.f + std::exp(-zd[base + c]));
        o[base + c] = v;
      }
      double sq = 0;
      for (int64_t c = 0; c < group_size; ++c) sq += double(o[base + c]) * o[base + c];
      const float inv = static_cast<float>(1.0 / std::sqrt(sq / group_size + eps));
      for (int64_t c = 0; c < group_size; ++c) {
        float v = o[base + c] * inv * w[g0 + c];
        if (zd && norm_before_gate) v *= zd[base + c] / (1.f + std::exp(-zd[base + c]));
        o[base + c] = v;
      }
    }
  }
  return out;
}

}  // namespace spindle
