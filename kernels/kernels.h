// Everything generated from the op table (kernels/op_table.h): the kernel declarations of both
// backends, the Op enum, the per-backend function table and the one dispatch.
// Kernels are called only through kernels_for(): the tensor-level ops (kernels/ops.h) check shapes
// and dtypes, then ask for the kernel of the device their tensors live on.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "kernels/op_table.h"
#include "kernels/tensor.h"

namespace spindle {

// Kernel declarations. A backend defines only the kernels its column in the table names.
namespace cpu {
#define SPINDLE_DECLARE_KERNEL(name, backends, dtype, params) void name params;
SPINDLE_OP_TABLE(SPINDLE_DECLARE_KERNEL)
#undef SPINDLE_DECLARE_KERNEL
}  // namespace cpu
namespace cuda {
#define SPINDLE_DECLARE_KERNEL(name, backends, dtype, params) void name params;
SPINDLE_OP_TABLE(SPINDLE_DECLARE_KERNEL)
#undef SPINDLE_DECLARE_KERNEL
}  // namespace cuda

enum class Op : int {
#define SPINDLE_OP_ENUM(name, backends, dtype, params) name,
  SPINDLE_OP_TABLE(SPINDLE_OP_ENUM)
#undef SPINDLE_OP_ENUM
};
constexpr int kOpCount = 0
#define SPINDLE_OP_COUNT(name, backends, dtype, params) +1
    SPINDLE_OP_TABLE(SPINDLE_OP_COUNT)
#undef SPINDLE_OP_COUNT
    ;

const char* op_name(Op op);
// The element type of the op's floating-point tensors (the table's dtype column).
DType op_dtype(Op op);

// One function pointer per op; nullptr where the backend lacks the kernel.
struct KernelTable {
#define SPINDLE_KERNEL_FIELD(name, backends, dtype, params) void(*name) params;
  SPINDLE_OP_TABLE(SPINDLE_KERNEL_FIELD)
#undef SPINDLE_KERNEL_FIELD
};

// Picks the kernel or nullptr for a backend column: SPINDLE_KERNEL_IF_<backends>_<side>(fn).
#define SPINDLE_KERNEL_IF_cpu_cuda_cpu(fn) &fn
#define SPINDLE_KERNEL_IF_cpu_cuda_cuda(fn) &fn
#define SPINDLE_KERNEL_IF_cpu_only_cpu(fn) &fn
#define SPINDLE_KERNEL_IF_cpu_only_cuda(fn) nullptr
#define SPINDLE_KERNEL_IF_cuda_only_cpu(fn) nullptr
#define SPINDLE_KERNEL_IF_cuda_only_cuda(fn) &fn

// The CPU backend's table (always present).
const KernelTable& cpu_kernel_table();

// True when `device` has the op's kernel (for CUDA: the backend library is loaded) and every dtype
// in `dtypes` is the op's dtype.
bool supports_op(Op op, std::initializer_list<DType> dtypes, Device device);

// The kernel table of `device`, after checking supports_op(op, {dtype}, device); otherwise throws
// Error "op '<name>' is not supported for <dtype> on <device>" (never a silent CPU fallback).
const KernelTable& kernels_for(Op op, DType dtype, Device device);

// kernels_for(Op::name, dtype, device).name, spelled once.
#define SPINDLE_KERNEL(name, dtype, device) (::spindle::kernels_for(::spindle::Op::name, (dtype), (device)).name)

}  // namespace spindle
