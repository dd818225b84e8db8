// The dense and element-wise ops of kernels/ops.h: shape checks (kernels/op_checks.h), then the
// kernel of the device their tensors live on through the one dispatch, SPINDLE_KERNEL
// (kernels/kernels.h). Nothing is copied between devices behind the caller's back.
#include "kernels/ops.h"

#include "kernels/backend.h"
#include "kernels/cuda/backend_table.h"
#include "kernels/fft_size.h"
#include "kernels/kernels.h"
#include "kernels/op_checks.h"

namespace spindle::ops {
using detail::require;
using detail::rows_of;

namespace {

// Where a raw pointer lives. Only a loaded CUDA backend can have handed out device memory, so
// a process that never asked for a GPU never loads cuBLAS/cuFFT or creates a context here.
Device pointer_device(const void* p) {
#ifdef SPINDLE_HAVE_CUDA
  if (const cuda::BackendTable* backend = cuda::backend_if_loaded())
    if (backend->is_device_pointer(p)) return Device::cuda;
#endif
  (void)p;
  return Device::cpu;
}

}  // namespace

void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
              int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  SPINDLE_KERNEL(gemm_f32, DType::f32, pointer_device(c))(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a,
               int64_t lda, const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  SPINDLE_KERNEL(gemm_bf16, DType::bf16, pointer_device(c))(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm_s8s8s32_nt(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb,
                     int32_t* c, int64_t ldc) {
  Device device = pointer_device(c);
  if (pointer_device(a) != device || pointer_device(b) != device)
    throw Error("gemm_s8s8s32_nt: operands on different devices");
  SPINDLE_KERNEL(gemm_s8s8s32_nt, DType::i8, device)(m, n, k, a, lda, b, ldb, c, ldc);
}

void linear_into(const Tensor& x, const Tensor& weight, const Tensor* bias, Tensor& out, float beta) {
  const Device dev = x.device();
  require(x, dev, "linear", "x");
  require(out, dev, "linear", "out");
  if (!weight.defined() || weight.ndim() != 2) throw Error("linear: weight must be a matrix, got " + weight.describe());
  const int64_t k = weight.dim(1), n = weight.dim(0), m = rows_of(x);
  if (x.dim(-1) != k || out.dim(-1) != n || rows_of(out) != m)
    throw Error("linear: x " + x.describe() + ", weight " + weight.describe() + " and out " + out.describe() +
                " do not fit");
  if (bias) {
    require(*bias, dev, "linear", "bias", {n});
    SPINDLE_KERNEL(bias_rows, DType::f32, dev)(out.data<float>(), bias->data<float>(), m, n, beta != 0.f);
    beta = 1.f;
  }
  if (weight.dtype() == DType::bf16) {
    // bf16 weights (uploaded once): the activations are rounded to bf16 on the way in, the
    // products accumulate in f32.
    require(weight, dev, "linear", "weight", DType::bf16);
    Tensor x_bf16 = Tensor::empty(x.shape(), DType::bf16, dev);
    SPINDLE_KERNEL(f32_to_bf16, DType::bf16, dev)(x.data<float>(), x.numel(), x_bf16.data<uint16_t>());
    SPINDLE_KERNEL(gemm_bf16, DType::bf16, dev)(false, true, m, n, k, 1.f, x_bf16.data<uint16_t>(), k,
                                                weight.data<uint16_t>(), k, beta, out.data<float>(), n);
    return;
  }
  require(weight, dev, "linear", "weight");
  SPINDLE_KERNEL(gemm_f32, DType::f32, dev)(false, true, m, n, k, 1.f, x.data<float>(), k, weight.data<float>(), k,
                                            beta, out.data<float>(), n);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor* bias) {
  Shape shape = x.shape();
  shape.back() = weight.dim(0);
  Tensor out = Tensor::empty(shape, DType::f32, x.device());
  linear_into(x, weight, bias, out, 0.f);
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  const Device dev = a.device();
  detail::require_rank(a, dev, "matmul", "a", 2);
  detail::require_rank(b, dev, "matmul", "b", 2);
  const int64_t m = trans_a ? a.dim(1) : a.dim(0), k = trans_a ? a.dim(0) : a.dim(1);
  const int64_t n = trans_b ? b.dim(0) : b.dim(1);
  if ((trans_b ? b.dim(1) : b.dim(0)) != k)
    throw Error("matmul: " + a.describe() + " and " + b.describe() + " do not fit");
  Tensor c = Tensor::empty({m, n}, DType::f32, dev);
  SPINDLE_KERNEL(gemm_f32, DType::f32, dev)(trans_a, trans_b, m, n, k, 1.f, a.data<float>(), a.dim(1),
                                            b.data<float>(), b.dim(1), 0.f, c.data<float>(), n);
  return c;
}

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor* bias, float eps) {
  const Device dev = x.device();
  require(x, dev, "layer_norm", "x");
  require(weight, dev, "layer_norm", "weight", {x.dim(-1)});
  if (bias) require(*bias, dev, "layer_norm", "bias", {x.dim(-1)});
  Tensor y = Tensor::empty(x.shape(), DType::f32, dev);
  SPINDLE_KERNEL(layer_norm, DType::f32, dev)(x.data<float>(), weight.data<float>(), bias ? bias->data<float>() : nullptr,
                                              eps, rows_of(x), x.dim(-1), y.data<float>());
  return y;
}

Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps) {
  const Device dev = x.device();
  require(x, dev, "rms_norm", "x");
  require(weight, dev, "rms_norm", "weight", {x.dim(-1)});
  Tensor y = Tensor::empty(x.shape(), DType::f32, dev);
  SPINDLE_KERNEL(rms_norm, DType::f32, dev)(x.data<float>(), weight.data<float>(), eps, rows_of(x), x.dim(-1),
                                            y.data<float>());
  return y;
}

void gelu_erf_(Tensor& x) {
  require(x, x.device(), "gelu_erf", "x");
  SPINDLE_KERNEL(gelu_erf, DType::f32, x.device())(x.data<float>(), x.numel());
}
void gelu_tanh_(Tensor& x) {
  require(x, x.device(), "gelu_tanh", "x");
  SPINDLE_KERNEL(gelu_tanh, DType::f32, x.device())(x.data<float>(), x.numel());
}
void silu_(Tensor& x) {
  require(x, x.device(), "silu", "x");
  SPINDLE_KERNEL(silu, DType::f32, x.device())(x.data<float>(), x.numel());
}
void softplus_(Tensor& x) {
  require(x, x.device(), "softplus", "x");
  SPINDLE_KERNEL(softplus, DType::f32, x.device())(x.data<float>(), x.numel());
}
void softmax_(Tensor& x) {
  require(x, x.device(), "softmax", "x");
  SPINDLE_KERNEL(softmax, DType::f32, x.device())(x.data<float>(), rows_of(x), x.dim(-1));
}

void add_(Tensor& x, const Tensor& y) {
  require(x, x.device(), "add", "x");
  require(y, x.device(), "add", "y", x.shape());
  SPINDLE_KERNEL(add, DType::f32, x.device())(x.data<float>(), y.data<float>(), x.numel());
}

void mul_(Tensor& x, const Tensor& y) {
  require(x, x.device(), "mul", "x");
  require(y, x.device(), "mul", "y", x.shape());
  SPINDLE_KERNEL(mul, DType::f32, x.device())(x.data<float>(), y.data<float>(), x.numel());
}

void scale_(Tensor& x, float s) {
  require(x, x.device(), "scale", "x");
  SPINDLE_KERNEL(scale, DType::f32, x.device())(x.data<float>(), s, x.numel());
}

void scale_rows_(Tensor& x, const Tensor& row_scale) {
  require(x, x.device(), "scale_rows", "x");
  require(row_scale, x.device(), "scale_rows", "row_scale", {rows_of(x)});
  SPINDLE_KERNEL(scale_rows, DType::f32, x.device())(x.data<float>(), row_scale.data<float>(), rows_of(x), x.dim(-1));
}

void rotary_(Tensor& x, const Tensor& inv_freq, int64_t rotary_dim, int64_t pos0, int64_t period, bool interleaved) {
  const Device dev = x.device();
  detail::require_rank(x, dev, "rotary", "x", 3);
  if (rotary_dim < 0 || rotary_dim % 2 != 0 || rotary_dim > x.dim(2))
    throw Error("rotary: rotary_dim " + std::to_string(rotary_dim) + " does not fit head_dim " + std::to_string(x.dim(2)));
  if (rotary_dim == 0) return;
  require(inv_freq, dev, "rotary", "inv_freq", {rotary_dim / 2});
  RotaryParams p;
  p.rows = x.dim(0), p.heads = x.dim(1), p.head_dim = x.dim(2), p.rotary_dim = rotary_dim;
  p.pos0 = pos0, p.period = period, p.interleaved = interleaved;
  p.inv_freq = inv_freq.data<float>();
  p.x = x.data<float>();
  if (p.rows > 0) SPINDLE_KERNEL(rotary, DType::f32, dev)(p);
}

Tensor embedding(const Tensor& ids, const Tensor& table) {
  const Device dev = ids.device();
  require(ids, dev, "embedding", "ids", DType::i64);
  detail::require_rank(table, dev, "embedding", "table", 2);
  Shape shape = ids.shape();
  shape.push_back(table.dim(1));
  Tensor out = Tensor::empty(shape, DType::f32, dev);
  SPINDLE_KERNEL(embedding, DType::f32, dev)(ids.data<int64_t>(), ids.numel(), table.data<float>(), table.dim(0),
                                             table.dim(1), out.data<float>());
  return out;
}

Tensor causal_conv1d(const Tensor& x, const Tensor& weight, const Tensor* bias) {
  const Device dev = x.device();
  detail::require_rank(x, dev, "causal_conv1d", "x", 3);
  detail::require_rank(weight, dev, "causal_conv1d", "weight", 2);
  if (weight.dim(0) != x.dim(2))
    throw Error("causal_conv1d: weight " + weight.describe() + " does not fit x " + x.describe());
  if (bias) require(*bias, dev, "causal_conv1d", "bias", {x.dim(2)});
  Tensor y = Tensor::empty(x.shape(), DType::f32, dev);
  SPINDLE_KERNEL(causal_conv1d, DType::f32, dev)(x.data<float>(), weight.data<float>(),
                                                 bias ? bias->data<float>() : nullptr, x.dim(0), x.dim(1), x.dim(2),
                                                 weight.dim(1), y.data<float>());
  return y;
}

Tensor fft_conv(const Tensor& u, const Tensor& k) {
  const Device dev = u.device();
  detail::require_rank(u, dev, "fft_conv", "u", 2);
  const bool shared = k.ndim() == 1;
  require(k, dev, "fft_conv", "k", shared ? Shape{u.dim(1)} : u.shape());
  Tensor y = Tensor::empty(u.shape(), DType::f32, dev);
  SPINDLE_KERNEL(fft_conv, DType::f32, dev)(u.data<float>(), k.data<float>(), shared, u.dim(0), u.dim(1),
                                            y.data<float>());
  return y;
}

int64_t fft_conv_size(int64_t length) { return smooth_fft_size(length); }

}  // namespace spindle::ops
