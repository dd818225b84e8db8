// Linear causal convolution through real FFTs (FFTW, single precision).
// Each row: Y = irfft(rfft(u, n) * rfft(k, n)) / n with n >= 2L - 1, keep the first L samples. Zero
// padding to n makes the circular convolution equal the linear one. n is the smallest 7-smooth
// number >= 2L - 1, which FFTW handles at near power-of-two speed while wasting less than 2x.
// Plans are created once per n (FFTW planning is not thread-safe, so under a mutex) and executed
// with the new-array interface from many threads on per-thread buffers.
#include <fftw3.h>

#include <map>
#include <memory>
#include <mutex>

#include "kernels/fft_size.h"
#include "kernels/kernels.h"

namespace spindle::cpu {
namespace {

struct FftPlans {
  int64_t n = 0;
  fftwf_plan forward = nullptr;  // real n -> complex n/2+1
  fftwf_plan inverse = nullptr;  // complex n/2+1 -> real n
};

// Buffers from fftwf_malloc share the alignment the plans were made with.
struct FftBuffers {
  int64_t n = 0;
  float* real = nullptr;
  fftwf_complex* spec_u = nullptr;
  fftwf_complex* spec_k = nullptr;
  explicit FftBuffers(int64_t size) : n(size) {
    real = fftwf_alloc_real(n);
    spec_u = fftwf_alloc_complex(n / 2 + 1);
    spec_k = fftwf_alloc_complex(n / 2 + 1);
    if (!real || !spec_u || !spec_k) throw Error("out of memory for FFT buffers of size " + std::to_string(n));
  }
  ~FftBuffers() {
    fftwf_free(real);
    fftwf_free(spec_u);
    fftwf_free(spec_k);
  }
};

// Per-thread buffers, kept between calls (OpenMP threads persist): at 1M tokens each set is ~40 MB,
// and reallocating it for every channel group would cost page faults rather than FFT time.
FftBuffers& thread_buffers(int64_t n) {
  thread_local std::unique_ptr<FftBuffers> buffers;
  if (!buffers || buffers->n != n) {
    buffers.reset();
    buffers = std::make_unique<FftBuffers>(n);
  }
  return *buffers;
}

const FftPlans& plans_for(int64_t n) {
  static std::mutex mutex;
  static std::map<int64_t, FftPlans> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  FftBuffers scratch(n);
  FftPlans p;
  p.n = n;
  // ESTIMATE plans in microseconds; MEASURE would time candidate algorithms for seconds at n ~ 2M.
  p.forward = fftwf_plan_dft_r2c_1d(static_cast<int>(n), scratch.real, scratch.spec_u, FFTW_ESTIMATE);
  p.inverse = fftwf_plan_dft_c2r_1d(static_cast<int>(n), scratch.spec_u, scratch.real, FFTW_ESTIMATE);
  SPINDLE_ASSERT(p.forward && p.inverse);
  return cache.emplace(n, p).first->second;
}

void transform(const FftPlans& plans, const float* signal, int64_t length, FftBuffers& buf, fftwf_complex* out) {
  std::copy(signal, signal + length, buf.real);
  std::fill(buf.real + length, buf.real + plans.n, 0.f);
  fftwf_execute_dft_r2c(plans.forward, buf.real, out);
}

}  // namespace

void fft_conv(const float* u, const float* k, bool k_shared, int64_t rows, int64_t length, float* y) {
  if (rows == 0 || length == 0) return;
  const int64_t n = smooth_fft_size(length);
  const int64_t bins = n / 2 + 1;
  const FftPlans& plans = plans_for(n);
  const float scale = 1.f / static_cast<float>(n);

  std::unique_ptr<fftwf_complex[], decltype(&fftwf_free)> shared_spec(nullptr, fftwf_free);
  if (k_shared) {
    shared_spec.reset(fftwf_alloc_complex(bins));
    transform(plans, k, length, thread_buffers(n), shared_spec.get());
  }

#pragma omp parallel
  {
    FftBuffers& buf = thread_buffers(n);
#pragma omp for schedule(dynamic, 1)
    for (int64_t r = 0; r < rows; ++r) {
      transform(plans, u + r * length, length, buf, buf.spec_u);
      const fftwf_complex* ks = shared_spec.get();
      if (!k_shared) {
        transform(plans, k + r * length, length, buf, buf.spec_k);
        ks = buf.spec_k;
      }
      for (int64_t i = 0; i < bins; ++i) {
        const float ar = buf.spec_u[i][0], ai = buf.spec_u[i][1];
        const float br = ks[i][0], bi = ks[i][1];
        buf.spec_u[i][0] = (ar * br - ai * bi) * scale;
        buf.spec_u[i][1] = (ar * bi + ai * br) * scale;
      }
      fftwf_execute_dft_c2r(plans.inverse, buf.spec_u, buf.real);
      std::copy(buf.real, buf.real + length, y + r * length);
    }
  }
}

}  // namespace spindle::cpu
