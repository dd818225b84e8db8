// The CUDA backend is a separate shared library (libspindle_cuda.so) that spindle loads with dlopen
// the first time a GPU is asked about, and only when an NVIDIA driver is present. Linking cuBLAS,
// cuFFT and the CUDA runtime into every process cost ~0.5 s of start-up and ~240 MB of resident
// memory per command, GPU or not.
// The library exports one C function returning a BackendTable: the runtime entry points below and
// the kernel table generated from the op table (kernels/op_table.h).
#pragma once

#include <string>

#include "kernels/kernels.h"
#include "kernels/cuda/runtime.h"

#define SPINDLE_CUDA_RUNTIME_ENTRY_POINTS(X) X(device_count) X(device_summary) X(alloc) X(free) X(copy) X(is_device_pointer)

namespace spindle::cuda {

// True when p points into GPU memory (device or managed); false without a visible GPU.
bool is_device_pointer(const void* p);

struct BackendTable {
  int abi_version;
#define SPINDLE_CUDA_TABLE_FIELD(name) decltype(&::spindle::cuda::name) name;
  SPINDLE_CUDA_RUNTIME_ENTRY_POINTS(SPINDLE_CUDA_TABLE_FIELD)
#undef SPINDLE_CUDA_TABLE_FIELD
  KernelTable kernels;
};

// Bumped whenever an entry point, a kernel or a signature changes; a stale library is refused.
constexpr int kBackendAbiVersion = 2;

// True when the backend library loaded (driver present, library found, ABI matches); otherwise
// false with the reason in *why. Loads at most once per process.
bool backend_loaded(std::string* why = nullptr);
// The loaded backend; throws Error with the reason when it is not available.
const BackendTable& backend();
// The backend if an earlier call already loaded it, else nullptr; never loads anything (lets
// pointer-based calls ask "is this GPU memory?" without waking the GPU stack in a CPU run).
const BackendTable* backend_if_loaded();

}  // namespace spindle::cuda

// Exported by libspindle_cuda.so.
extern "C" const spindle::cuda::BackendTable* spindle_cuda_backend_table();
