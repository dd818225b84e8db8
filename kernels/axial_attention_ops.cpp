// Dispatch for the axial-attention ops of kernels/ops.h: shape, dtype and device checks, then the
// CPU kernel (kernels/cpu/axial_attention.cpp) or, for CUDA tensors, its twin
// (kernels/cuda/axial_attention.cu). All arguments must be on the first one's device.
#include <cmath>

#include "kernels/cpu/axial_attention.h"
#include "kernels/cuda/backend_table.h"
#include "kernels/ops.h"

namespace spindle::ops {
namespace {

void require_f32(const Tensor& t, Device device, const char* op, const char* arg, int64_t ndim) {
  if (!t.defined()) throw Error(std::string(op) + ": argument '" + arg + "' is undefined");
  if (t.device() != device)
    throw Error(std::string(op) + ": argument '" + arg + "' is on " + device_name(t.device()) + " but the op runs on " +
                device_name(device) + " (all inputs must be on one device)");
  if (t.dtype() != DType::f32 || t.ndim() != ndim)
    throw Error(std::string(op) + ": argument '" + arg + "' must be f32 of rank " + std::to_string(ndim) + ", got " +
                t.describe());
}

cpu::AxialRowShape shape_of(const Tensor& t) { return {t.dim(0), t.dim(1), t.dim(2), t.dim(3)}; }

}  // namespace

void axial_row_logits(const Tensor& q, const Tensor& k, float scale, Tensor& logits, bool accumulate) {
  const char* op = "axial_row_logits";
  const Device dev = q.device();
  require_f32(q, dev, op, "q", 4);
  require_f32(k, dev, op, "k", 4);
  if (k.shape() != q.shape()) throw Error("axial_row_logits: k " + shape_str(k.shape()) + " differs from q " + shape_str(q.shape()));
  const Shape want = {q.dim(2), q.dim(1), q.dim(1)};
  if (accumulate) {
    require_f32(logits, dev, op, "logits", 3);
    if (logits.shape() != want)
      throw Error("axial_row_logits: logits " + shape_str(logits.shape()) + ", expected " + shape_str(want));
  } else if (!logits.defined() || logits.shape() != want) {
    logits = Tensor::empty(want, DType::f32, dev);
  }
  (dev == Device::cuda ? cuda::backend().axial_row_logits : cpu::axial_row_logits)(shape_of(q), q.data<float>(), k.data<float>(), scale, logits.data<float>(), accumulate);
}

void axial_row_softmax_(Tensor& logits, const Tensor* key_mask, float mask_value) {
  const Device dev = logits.device();
  require_f32(logits, dev, "axial_row_softmax_", "logits", 3);
  const int64_t H = logits.dim(0), C = logits.dim(1);
  if (logits.dim(2) != C) throw Error("axial_row_softmax_: logits must be [H, C, C], got " + logits.describe());
  if (key_mask && (key_mask->dtype() != DType::u8 || key_mask->shape() != Shape{C}))
    throw Error("axial_row_softmax_: key_mask must be u8[" + std::to_string(C) + "], got " + key_mask->describe());
  if (key_mask && key_mask->device() != dev)
    throw Error("axial_row_softmax_: key_mask is on " + std::string(device_name(key_mask->device())) +
                " but the op runs on " + device_name(dev) + " (all inputs must be on one device)");
  (dev == Device::cuda ? cuda::backend().axial_row_softmax : cpu::axial_row_softmax)(H, C, key_mask ? key_mask->data<uint8_t>() : nullptr, mask_value, logits.data<float>());
}

Tensor axial_row_apply(const Tensor& probs, const Tensor& v) {
  const char* op = "axial_row_apply";
  const Device dev = probs.device();
  require_f32(probs, dev, op, "probs", 3);
  require_f32(v, dev, op, "v", 4);
  if (probs.shape() != Shape{v.dim(2), v.dim(1), v.dim(1)})
    throw Error("axial_row_apply: probs " + shape_str(probs.shape()) + " does not fit v " + shape_str(v.shape()));
  Tensor out = Tensor::empty(v.shape(), DType::f32, dev);
  (dev == Device::cuda ? cuda::backend().axial_row_apply : cpu::axial_row_apply)(shape_of(v), probs.data<float>(), v.data<float>(), out.data<float>());
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
