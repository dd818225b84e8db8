// Device runtime: what the build has and what the machine shows. CUDA entry points are compiled
// only when nvcc was found (SPINDLE_HAVE_CUDA); otherwise they report "not available".
#pragma once

#include <cstddef>
#include <string>

#include "kernels/tensor.h"

namespace spindle {

// True when the CUDA backend was compiled in.
bool cuda_compiled();
// True when compiled in and at least one GPU is visible (CUDA_VISIBLE_DEVICES respected).
bool cuda_available();
// One line describing the visible GPU, or why there is none.
std::string cuda_device_summary();

// Raw device memory; only valid when cuda_available().
void* cuda_alloc(size_t bytes);
void cuda_free(void* ptr);
// Copies between any two devices.
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes);

// Resolves --device auto|cpu|cuda: UsageError for an unknown name, Error when cuda is asked for and
// no GPU is usable. Only "auto" and "cuda" look for a GPU (and so load the CUDA backend).
Device resolve_device(const std::string& name);

// CPU facts for --version and the benchmark notes.
std::string cpu_features_summary();
// The thread count used by OpenMP regions, oneDNN and FFTW (0 = all cores).
void set_num_threads(int threads);
int num_threads();

}  // namespace spindle
