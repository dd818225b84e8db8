// The one symbol libspindle_cuda.so exports (everything else is hidden and bound locally).
#include "kernels/cuda/backend_table.h"

extern "C" __attribute__((visibility("default"))) const spindle::cuda::BackendTable* spindle_cuda_backend_table() {
  static const spindle::cuda::BackendTable table = {
      spindle::cuda::kBackendAbiVersion,
#define SPINDLE_CUDA_RUNTIME_ENTRY(name) &::spindle::cuda::name,
      SPINDLE_CUDA_RUNTIME_ENTRY_POINTS(SPINDLE_CUDA_RUNTIME_ENTRY)
#undef SPINDLE_CUDA_RUNTIME_ENTRY
      {
#define SPINDLE_CUDA_KERNEL_ENTRY(name, backends, dtype, params) SPINDLE_KERNEL_IF_##backends##_cuda(::spindle::cuda::name),
          SPINDLE_OP_TABLE(SPINDLE_CUDA_KERNEL_ENTRY)
#undef SPINDLE_CUDA_KERNEL_ENTRY
      },
  };
  return &table;
}
