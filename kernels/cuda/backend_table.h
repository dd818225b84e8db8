// The CUDA backend is a separate shared library (libspindle_cuda.so) that spindle loads with dlopen
// the first time a GPU is asked about, and only when an NVIDIA driver is present. Linking cuBLAS,
// cuFFT and the CUDA runtime into every process cost ~0.5 s of start-up and ~240 MB of resident
// memory per command, GPU or not.
// Every entry point of the backend is listed once below; the library exports one C function that
// returns a table of them, and callers go through cuda::backend().<name>(...).
#pragma once

#include <string>

#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/runtime.h"

#define SPINDLE_CUDA_ENTRY_POINTS(X)                                                                       \
  X(device_count) X(device_summary) X(alloc) X(free) X(copy) X(gemm_f32) X(gemm_bf16) X(gemm_f16)         \
  X(gemm_f32_strided_batched) X(is_device_pointer) X(bias_rows) X(layer_norm) X(rms_norm) X(gelu_erf)      \
  X(gelu_tanh) X(silu) X(softplus) X(softmax) X(add) X(embedding) X(causal_conv1d) X(fft_conv)             \
  X(selective_scan) X(ssd_scan_chunked) X(axial_row_logits) X(axial_row_softmax) X(axial_row_apply)         \
  X(attention) X(attention_tensor_cores)

namespace spindle::cuda {

struct BackendTable {
  int abi_version;
#define SPINDLE_CUDA_TABLE_FIELD(name) decltype(&::spindle::cuda::name) name;
  SPINDLE_CUDA_ENTRY_POINTS(SPINDLE_CUDA_TABLE_FIELD)
#undef SPINDLE_CUDA_TABLE_FIELD
};

// Bumped whenever an entry point or its signature changes; a stale library is refused.
constexpr int kBackendAbiVersion = 1;

// True when the backend library loaded (driver present, library found, ABI matches); otherwise
// false with the reason in *why. Loads at most once per process.
bool backend_loaded(std::string* why = nullptr);
// The loaded backend; throws Error with the reason when it is not available.
const BackendTable& backend();

}  // namespace spindle::cuda

// Exported by libspindle_cuda.so.
extern "C" const spindle::cuda::BackendTable* spindle_cuda_backend_table();
