// The Mamba-family ops of kernels/ops.h (gated RMSNorm, column blocks, flips, Mamba2's dt): shape
// checks (kernels/op_checks.h), then the kernel of the tensors' device (kernels/kernels.h).
#include <string>

#include "kernels/kernels.h"
#include "kernels/op_checks.h"
#include "kernels/ops.h"

namespace spindle::ops {
using detail::require;
using detail::rows_of;

Tensor gated_rms_norm(const Tensor& y, const Tensor* z, const Tensor& weight, int64_t group_size,
                      float eps, bool norm_before_gate) {
  const char* op = "gated_rms_norm";
  const Device dev = y.device();
  require(y, dev, op, "y");
  const int64_t cols = y.ndim() == 0 ? 1 : y.dim(-1);
  if (group_size <= 0 || cols % group_size != 0)
    throw Error(std::string(op) + ": group size " + std::to_string(group_size) +
                " does not divide " + std::to_string(cols) + " channels");
  if (z) require(*z, dev, op, "z", y.shape());
  require(weight, dev, op, "weight", {cols});
  Tensor out = Tensor::empty(y.shape(), DType::f32, dev);
  SPINDLE_KERNEL(gated_rms_norm, DType::f32, dev)(
      y.data<float>(), z ? z->data<float>() : nullptr, weight.data<float>(), rows_of(y), cols,
      group_size, eps, norm_before_gate, out.data<float>());
  return out;
}

void copy_columns_(const Tensor& src, int64_t src_c0, int64_t width, Tensor& dst, int64_t dst_c0,
                   bool accumulate) {
  const char* op = "copy_columns";
  const Device dev = src.device();
  require(src, dev, op, "src");
  require(dst, dev, op, "dst");
  if (src.ndim() == 0 || dst.ndim() == 0 || rows_of(src) != rows_of(dst))
    throw Error(std::string(op) + ": src " + src.describe() + " and dst " + dst.describe() +
                " differ in rows");
  const int64_t src_cols = src.dim(-1), dst_cols = dst.dim(-1);
  if (width < 0 || src_c0 < 0 || dst_c0 < 0 || src_c0 + width > src_cols ||
      dst_c0 + width > dst_cols)
    throw Error(std::string(op) + ": columns [" + std::to_string(src_c0) + ", +" +
                std::to_string(width) + ") of " + src.describe() + " to [" +
                std::to_string(dst_c0) + ", +" + std::to_string(width) + ") of " + dst.describe() +
                " are out of range");
  SPINDLE_KERNEL(copy_columns, DType::f32, dev)(
      src.data<float>(), src_cols, src_c0, dst.data<float>(), dst_cols, dst_c0, rows_of(src), width,
      accumulate);
}

Tensor columns(const Tensor& src, int64_t c0, int64_t width) {
  Shape shape = src.shape();
  if (shape.empty()) throw Error("columns: src " + src.describe() + " has no columns");
  shape.back() = width;
  Tensor out = Tensor::empty(shape, DType::f32, src.device());
  copy_columns_(src, c0, width, out, 0);
  return out;
}

Tensor concat_columns(const Tensor& a, const Tensor& b) {
  if (a.ndim() == 0 || b.ndim() == 0)
    throw Error("concat_columns: " + a.describe() + " and " + b.describe());
  Shape shape = a.shape();
  shape.back() = a.dim(-1) + b.dim(-1);
  Tensor out = Tensor::empty(shape, DType::f32, a.device());
  copy_columns_(a, 0, a.dim(-1), out, 0);
  copy_columns_(b, 0, b.dim(-1), out, a.dim(-1));
  return out;
}

Tensor flip(const Tensor& x, bool flip_rows, bool flip_cols) {
  const Device dev = x.device();
  detail::require_rank(x, dev, "flip", "x", 2);
  Tensor y = Tensor::empty(x.shape(), DType::f32, dev);
  SPINDLE_KERNEL(flip, DType::f32, dev)(
      x.data<float>(), x.dim(0), x.dim(1), flip_rows, flip_cols, y.data<float>());
  return y;
}

void dt_softplus_(Tensor& dt, const Tensor& bias, float lo, float hi) {
  const Device dev = dt.device();
  detail::require_rank(dt, dev, "dt_softplus", "dt", 2);
  require(bias, dev, "dt_softplus", "bias", {dt.dim(1)});
  if (!(lo <= hi))
    throw Error("dt_softplus: empty clamp range [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "]");
  SPINDLE_KERNEL(dt_softplus, DType::f32, dev)(
      dt.data<float>(), bias.data<float>(), dt.dim(0), dt.dim(1), lo, hi);
}

void add_scaled_columns_(Tensor& y, const Tensor& x, const Tensor& scale) {
  const Device dev = y.device();
  detail::require_rank(y, dev, "add_scaled_columns", "y", 2);
  require(x, dev, "add_scaled_columns", "x", y.shape());
  require(scale, dev, "add_scaled_columns", "scale", {y.dim(1)});
  SPINDLE_KERNEL(add_scaled_columns, DType::f32, dev)(
      y.data<float>(), x.data<float>(), scale.data<float>(), y.dim(0), y.dim(1));
}

}  // namespace spindle::ops
