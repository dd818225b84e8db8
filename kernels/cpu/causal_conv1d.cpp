// Causal depthwise convolution, channels last: each output row reads K input rows, so the inner
// loop over channels is contiguous and vectorises.
#include "kernels/kernels.h"

namespace spindle::cpu {

void causal_conv1d(const float* x, const float* w, const float* bias, int64_t batch, int64_t length,
                   int64_t channels, int64_t kernel, float* y) {
#pragma omp parallel for collapse(2) if (batch * length * channels > 65536)
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < length; ++t) {
      float* yr = y + (b * length + t) * channels;
      for (int64_t c = 0; c < channels; ++c) yr[c] = bias ? bias[c] : 0.f;
      for (int64_t j = 0; j < kernel; ++j) {
        const int64_t src = t - kernel + 1 + j;
        if (src < 0) continue;
        const float* xr = x + (b * length + src) * channels;
#pragma omp simd
        for (int64_t c = 0; c < channels; ++c) yr[c] += w[c * kernel + j] * xr[c];
      }
    }
}

}  // namespace spindle::cpu
