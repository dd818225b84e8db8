// The one dispatch of the op catalogue: which backend's kernel an op runs, or why it cannot.
#include <string>

#include "kernels/backend.h"
#include "kernels/cuda/backend_table.h"
#include "kernels/kernels.h"

namespace spindle {
namespace {

constexpr const char* kOpNames[] = {
#define SPINDLE_OP_NAME(name, backends, dtype, params) #name,
    SPINDLE_OP_TABLE(SPINDLE_OP_NAME)
#undef SPINDLE_OP_NAME
};

constexpr DType kOpDtypes[] = {
#define SPINDLE_OP_DTYPE(name, backends, dtype, params) DType::dtype,
    SPINDLE_OP_TABLE(SPINDLE_OP_DTYPE)
#undef SPINDLE_OP_DTYPE
};

// The kernel of `op` in `table`, as an untyped pointer (null when the backend lacks it).
const void* kernel_entry(const KernelTable& table, Op op) {
  switch (op) {
#define SPINDLE_OP_ENTRY(name, backends, dtype, params) \
  case Op::name:                                         \
    return reinterpret_cast<const void*>(table.name);
    SPINDLE_OP_TABLE(SPINDLE_OP_ENTRY)
#undef SPINDLE_OP_ENTRY
  }
  return nullptr;
}

// The CUDA table when a GPU is usable. Only a question about the CUDA device loads the backend
// library; a CPU op never does.
const KernelTable* table_of(Device device) {
  if (device == Device::cpu) return &cpu_kernel_table();
#ifdef SPINDLE_HAVE_CUDA
  if (cuda_available()) return &cuda::backend().kernels;
#endif
  return nullptr;
}

}  // namespace

const char* op_name(Op op) { return kOpNames[static_cast<int>(op)]; }
DType op_dtype(Op op) { return kOpDtypes[static_cast<int>(op)]; }

bool supports_op(Op op, std::initializer_list<DType> dtypes, Device device) {
  const KernelTable* table = table_of(device);
  if (!table || !kernel_entry(*table, op)) return false;
  for (DType d : dtypes)
    if (d != op_dtype(op)) return false;
  return true;
}

const KernelTable& kernels_for(Op op, DType dtype, Device device) {
  if (!supports_op(op, {dtype}, device)) {
    std::string why = "op '" + std::string(op_name(op)) + "' is not supported for " + dtype_name(dtype) + " on " +
                      device_name(device);
    if (device == Device::cuda && !table_of(device)) why += " (" + cuda_device_summary() + ")";
    throw Error(why);
  }
  return *table_of(device);
}

}  // namespace spindle
