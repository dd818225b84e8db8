// Linear causal convolution of rows through cuFFT, the GPU twin of kernels/cpu/fft_conv.cpp:
// pad each row with zeros to n = fft_conv_size(L) >= 2L - 1 (so the circular convolution of the
// padded rows is the linear one), R2C both, multiply the spectra (and 1/n), C2R, keep the first L.
// Rows go through batched plans in slices bounded to ~1 GiB of scratch, so a 1M-token HyenaDNA
// layer (n = 2,000,000, hundreds of rows) does not need tens of GB. Plans are cached per (n, rows).
#include <cufft.h>

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "kernels/fft_size.h"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/cuda_ops.h"

#define SPINDLE_CUFFT_CHECK(call)                                                                    \
  do {                                                                                               \
    cufftResult status_ = (call);                                                                    \
    if (status_ != CUFFT_SUCCESS)                                                                    \
      throw ::spindle::Error("cuFFT error " + std::to_string(static_cast<int>(status_)) + " in " #call \
                             " at " __FILE__ ":" + std::to_string(__LINE__));                         \
  } while (0)

namespace spindle::cuda {
namespace {

constexpr size_t kScratchBudget = size_t(1) << 30;

struct Plans {
  cufftHandle forward = 0, inverse = 0;
};

// Plans live for the process (cuFFT keeps their work areas); one per (size, batch) pair seen.
const Plans& plans_for(int64_t n, int64_t batch) {
  static std::mutex mutex;
  static std::map<std::pair<int64_t, int64_t>, Plans> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find({n, batch});
  if (it != cache.end()) return it->second;
  int size = static_cast<int>(n);
  const int bins = static_cast<int>(n / 2 + 1);
  Plans p;
  SPINDLE_CUFFT_CHECK(cufftPlanMany(&p.forward, 1, &size, nullptr, 1, size, nullptr, 1, bins, CUFFT_R2C,
                                    static_cast<int>(batch)));
  SPINDLE_CUFFT_CHECK(cufftPlanMany(&p.inverse, 1, &size, nullptr, 1, bins, nullptr, 1, size, CUFFT_C2R,
                                    static_cast<int>(batch)));
  return cache.emplace(std::make_pair(n, batch), p).first->second;
}

// real[r, i] = i < length ? src[r, i] : 0, rows x n.
__global__ void pad_rows(const float* src, int64_t rows, int64_t length, int64_t n, float* real) {
  const int64_t total = rows * n;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / n, t = i - r * n;
    real[i] = t < length ? src[r * length + t] : 0.f;
  }
}

// spec_u[r, i] *= spec_k[shared ? i : (r, i)] / n
__global__ void multiply_spectra(cufftComplex* spec_u, const cufftComplex* spec_k, bool shared, int64_t rows,
                                 int64_t bins, float scale) {
  const int64_t total = rows * bins;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const cufftComplex a = spec_u[i], b = spec_k[shared ? i % bins : i];
    spec_u[i] = make_cuFloatComplex((a.x * b.x - a.y * b.y) * scale, (a.x * b.y + a.y * b.x) * scale);
  }
}

__global__ void crop_rows(const float* real, int64_t rows, int64_t length, int64_t n, float* y) {
  const int64_t total = rows * length;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / length, t = i - r * length;
    y[i] = real[r * n + t];
  }
}

}  // namespace

void fft_conv(const float* u, const float* k, bool k_shared, int64_t rows, int64_t length, float* y) {
  if (rows == 0 || length == 0) return;
  // Any n >= 2L - 1 gives the linear convolution; n >= 2 keeps cuFFT away from length-1 transforms.
  const int64_t n = std::max<int64_t>(2, smooth_fft_size(length)), bins = n / 2 + 1;
  if (n > 0x7fffffff) throw Error("fft_conv: length " + std::to_string(length) + " is beyond cuFFT's int sizes");
  const size_t row_bytes = n * sizeof(float) + 2 * bins * sizeof(cufftComplex);
  const int64_t slice = std::clamp<int64_t>(static_cast<int64_t>(kScratchBudget / row_bytes), 1, rows);
  const float scale = 1.f / static_cast<float>(n);

  DeviceBuffer real(slice * n * sizeof(float));
  DeviceBuffer spec_u(slice * bins * sizeof(cufftComplex));
  DeviceBuffer spec_k((k_shared ? 1 : slice) * bins * sizeof(cufftComplex));
  if (k_shared) {  // one filter spectrum, reused by every slice
    pad_rows<<<grid_for(n), kThreads>>>(k, 1, length, n, real.as<float>());
    SPINDLE_CUDA_LAUNCH_CHECK();
    SPINDLE_CUFFT_CHECK(cufftExecR2C(plans_for(n, 1).forward, real.as<cufftReal>(), spec_k.as<cufftComplex>()));
  }
  for (int64_t r0 = 0; r0 < rows; r0 += slice) {
    const int64_t m = std::min(slice, rows - r0);
    const Plans& plans = plans_for(n, m);
    if (!k_shared) {
      pad_rows<<<grid_for(m * n), kThreads>>>(k + r0 * length, m, length, n, real.as<float>());
      SPINDLE_CUDA_LAUNCH_CHECK();
      SPINDLE_CUFFT_CHECK(cufftExecR2C(plans.forward, real.as<cufftReal>(), spec_k.as<cufftComplex>()));
    }
    pad_rows<<<grid_for(m * n), kThreads>>>(u + r0 * length, m, length, n, real.as<float>());
    SPINDLE_CUDA_LAUNCH_CHECK();
    SPINDLE_CUFFT_CHECK(cufftExecR2C(plans.forward, real.as<cufftReal>(), spec_u.as<cufftComplex>()));
    multiply_spectra<<<grid_for(m * bins), kThreads>>>(spec_u.as<cufftComplex>(), spec_k.as<cufftComplex>(), k_shared,
                                                      m, bins, scale);
    SPINDLE_CUDA_LAUNCH_CHECK();
    SPINDLE_CUFFT_CHECK(cufftExecC2R(plans.inverse, spec_u.as<cufftComplex>(), real.as<cufftReal>()));
    crop_rows<<<grid_for(m * length), kThreads>>>(real.as<float>(), m, length, n, y + r0 * length);
    SPINDLE_CUDA_LAUNCH_CHECK();
  }
}

}  // namespace spindle::cuda
