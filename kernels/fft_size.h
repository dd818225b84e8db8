// The FFT length of a linear convolution, shared by the CPU (FFTW) and CUDA (cuFFT) kernels.
#pragma once

#include <cstdint>

namespace spindle {

// Smallest 2^a 3^b 5^c 7^d >= 2L - 1: both libraries are fastest on 7-smooth sizes, and the
// padding to 2L - 1 makes the circular convolution equal the linear one on the first L outputs.
inline int64_t smooth_fft_size(int64_t length) {
  const int64_t target = length * 2 - 1 > 1 ? length * 2 - 1 : 1;
  for (int64_t n = target;; ++n) {
    int64_t r = n;
    for (int64_t p : {2, 3, 5, 7})
      while (r % p == 0) r /= p;
    if (r == 1) return n;
  }
}

}  // namespace spindle
