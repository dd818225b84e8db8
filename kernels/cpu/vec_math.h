// Branch-free float math the compiler can vectorise inside `#pragma omp simd` loops (libm's expf
// is a call per element). Used by the scan and attention kernels, whose cost is dominated by exp.
#pragma once

#include <cstdint>
#include <cstring>

namespace spindle::cpu {

// e^x with about 1 ulp error over the normal range (Cephes expf polynomial after reducing x by
// n ln 2, split into high and low parts). Returns 0 below -87.3 (no denormals) and clamps above 88.7.
static inline __attribute__((always_inline)) float vexp(float x) {
  x = x < 88.7f ? x : 88.7f;
  const bool underflow = x < -87.3f;
  x = x > -87.3f ? x : -87.3f;
  // Round x / ln 2 to the nearest integer with the 1.5 * 2^23 trick (no libm call, vectorises).
  const float n = (x * 1.44269504088896341f + 12582912.f) - 12582912.f;
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return underflow ? 0.f : p * scale;
}

}  // namespace spindle::cpu
