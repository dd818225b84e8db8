// The CPU backend's kernel table, filled from the op table (kernels/op_table.h).
#include "kernels/kernels.h"

namespace spindle {

const KernelTable& cpu_kernel_table() {
  static const KernelTable table = {
#define SPINDLE_CPU_ENTRY(name, backends, dtype, params) SPINDLE_KERNEL_IF_##backends##_cpu(cpu::name),
      SPINDLE_OP_TABLE(SPINDLE_CPU_ENTRY)
#undef SPINDLE_CPU_ENTRY
  };
  return table;
}

}  // namespace spindle
