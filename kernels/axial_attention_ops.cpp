// The axial-attention ops of kernels/ops.h: shape checks (kernels/op_checks.h), then the kernel of
// the tensors' device through the one dispatch (kernels/kernels.h).
#include "kernels/kernels.h"
#include "kernels/op_checks.h"
#include "kernels/ops.h"

namespace spindle::ops {
using detail::require_rank;

namespace {

AxialRowShape shape_of(const Tensor& t) { return {t.dim(0), t.dim(1), t.dim(2), t.dim(3)}; }

}  // namespace

void axial_row_logits(const Tensor& q, const Tensor& k, float scale, Tensor& logits, bool accumulate) {
  const char* op = "axial_row_logits";
  const Device dev = q.device();
  require_rank(q, dev, op, "q", 4);
  require_rank(k, dev, op, "k", 4);
  if (k.shape() != q.shape()) throw Error("axial_row_logits: k " + shape_str(k.shape()) + " differs from q " + shape_str(q.shape()));
  const Shape want = {q.dim(2), q.dim(1), q.dim(1)};
  if (accumulate) {
    require_rank(logits, dev, op, "logits", 3);
    if (logits.shape() != want)
      throw Error("axial_row_logits: logits " + shape_str(logits.shape()) + ", expected " + shape_str(want));
  } else if (!logits.defined() || logits.shape() != want) {
    logits = Tensor::empty(want, DType::f32, dev);
  }
  SPINDLE_KERNEL(axial_row_logits, DType::f32, dev)(shape_of(q), q.data<float>(), k.data<float>(), scale, logits.data<float>(), accumulate);
}

void axial_row_softmax_(Tensor& logits, const Tensor* key_mask, float mask_value) {
  const Device dev = logits.device();
  require_rank(logits, dev, "axial_row_softmax_", "logits", 3);
  const int64_t H = logits.dim(0), C = logits.dim(1);
  if (logits.dim(2) != C) throw Error("axial_row_softmax_: logits must be [H, C, C], got " + logits.describe());
  if (key_mask) detail::require(*key_mask, dev, "axial_row_softmax_", "key_mask", {C}, DType::u8);
  SPINDLE_KERNEL(axial_row_softmax, DType::f32, dev)(H, C, key_mask ? key_mask->data<uint8_t>() : nullptr, mask_value, logits.data<float>());
}

Tensor axial_row_apply(const Tensor& probs, const Tensor& v) {
  const char* op = "axial_row_apply";
  const Device dev = probs.device();
  require_rank(probs, dev, op, "probs", 3);
  require_rank(v, dev, op, "v", 4);
  if (probs.shape() != Shape{v.dim(2), v.dim(1), v.dim(1)})
    throw Error("axial_row_apply: probs " + shape_str(probs.shape()) + " does not fit v " + shape_str(v.shape()));
  Tensor out = Tensor::empty(v.shape(), DType::f32, dev);
  SPINDLE_KERNEL(axial_row_apply, DType::f32, dev)(shape_of(v), probs.data<float>(), v.data<float>(), out.data<float>());
  return out;
}

Tensor axial_row_attention(const Tensor& q, const Tensor& k, const Tensor& v, float scale, const Tensor* key_mask,
                           float mask_value) {
  Tensor logits;
  axial_row_logits(q, k, scale, logits, false);
  axial_row_softmax_(logits, key_mask, mask_value);
  return axial_row_apply(logits, v);
}

}  // namespace spindle::ops
