// The one symbol libspindle_cuda.so exports (everything else is hidden and bound locally).
#include "kernels/cuda/backend_table.h"

extern "C" __attribute__((visibility("default"))) const spindle::cuda::BackendTable* spindle_cuda_backend_table() {
  static const spindle::cuda::BackendTable table = {
      spindle::cuda::kBackendAbiVersion,
#define SPINDLE_CUDA_TABLE_ENTRY(name) &::spindle::cuda::name,
      SPINDLE_CUDA_ENTRY_POINTS(SPINDLE_CUDA_TABLE_ENTRY)
#undef SPINDLE_CUDA_TABLE_ENTRY
  };
  return &table;
}
