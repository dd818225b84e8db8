// The MSA Transformer's ops of kernels/ops.h: shape checks (kernels/op_checks.h), then the kernel of
// the tensors' device through the one dispatch (kernels/kernels.h).
#include "kernels/kernels.h"
#include "kernels/op_checks.h"
#include "kernels/ops.h"

namespace spindle::ops {

void index_add_rows_(Tensor& x, const Tensor& index, const Tensor& src) {
  const Device dev = x.device();
  detail::require_rank(x, dev, "index_add_rows", "x", 2);
  detail::require_rank(index, dev, "index_add_rows", "index", 1, DType::i64);
  detail::require(src, dev, "index_add_rows", "src", {index.dim(0), x.dim(1)});
  SPINDLE_KERNEL(index_add_rows, DType::f32, dev)(x.data<float>(), index.data<int64_t>(), src.data<float>(),
                                                  index.dim(0), x.dim(1));
}

}  // namespace spindle::ops
