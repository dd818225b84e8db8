// LayerNorm and RMSNorm over the last dimension; statistics accumulated in double so long rows and
// large offsets do not lose precision (the goldens are float64 references).
#include <cmath>

#include "kernels/kernels.h"

namespace spindle::cpu {

void layer_norm(const float* x, const float* w, const float* b, float eps, int64_t rows, int64_t cols, float* y) {
#pragma omp parallel for if (rows * cols > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    double sum = 0;
    for (int64_t c = 0; c < cols; ++c) sum += xr[c];
    const double mean = sum / cols;
    double var = 0;
    for (int64_t c = 0; c < cols; ++c) {
      double d = xr[c] - mean;
      var += d * d;
    }
    const float inv = static_cast<float>(1.0 / std::sqrt(var / cols + eps));
    const float meanf = static_cast<float>(mean);
    for (int64_t c = 0; c < cols; ++c) yr[c] = (xr[c] - meanf) * inv * w[c] + (b ? b[c] : 0.f);
  }
}

void rms_norm(const float* x, const float* w, float eps, int64_t rows, int64_t cols, float* y) {
#pragma omp parallel for if (rows * cols > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    double sq = 0;
    for (int64_t c = 0; c < cols; ++c) sq += static_cast<double>(xr[c]) * xr[c];
    const float inv = static_cast<float>(1.0 / std::sqrt(sq / cols + eps));
    for (int64_t c = 0; c < cols; ++c) yr[c] = xr[c] * inv * w[c];
  }
}

}  // namespace spindle::cpu
