// The one dispatch point of the op catalogue: shape/dtype/device checks, then the backend call.
// Every tensor argument of an op must be on the same device (the first argument's); the op runs
// there: kernels/cpu/ for CPU tensors, their twins in kernels/cuda/ (cuda_ops.h, same signatures)
// for CUDA tensors. Nothing is copied between devices behind the caller's back.
#include "kernels/ops.h"

#include "kernels/backend.h"
#include "kernels/cpu/cpu_ops.h"
#include "kernels/cuda/backend_table.h"

namespace spindle::ops {
namespace {

// t must be defined, f32 and on `device` (where the op runs: its first argument's device).
void require_f32(const Tensor& t, Device device, const char* op, const char* arg) {
  if (!t.defined()) throw Error(std::string(op) + ": argument '" + arg + "' is undefined");
  if (t.dtype() != DType::f32)
    throw Error(std::string(op) + ": argument '" + arg + "' must be f32, got " + t.describe());
  if (t.device() != device)
    throw Error(std::string(op) + ": argument '" + arg + "' is on " + device_name(t.device()) + " but the op runs on " +
                device_name(device) + " (all inputs must be on one device)");
}

bool on_gpu(const Tensor& t) { return t.device() == Device::cuda; }

// The raw-pointer GEMMs run where their output lives.
bool gpu_pointer(const void* p) { return cuda_available() && cuda::backend().is_device_pointer(p); }

int64_t rows_of(const Tensor& t) { return t.ndim() == 0 ? 1 : t.numel() / t.dim(-1); }

}  // namespace

void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
              int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  (gpu_pointer(c) ? cuda::backend().gemm_f32 : cpu::gemm_f32)(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm_bf16(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const uint16_t* a,
               int64_t lda, const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  (gpu_pointer(c) ? cuda::backend().gemm_bf16 : cpu::gemm_bf16)(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm_s8s8s32_nt(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb,
                     int32_t* c, int64_t ldc) {
  if (gpu_pointer(c) || gpu_pointer(a) || gpu_pointer(b)) throw Error("gemm_s8s8s32_nt: CPU only, got a device pointer");
  cpu::gemm_s8s8s32_nt(m, n, k, a, lda, b, ldb, c, ldc);
}

void linear_into(const Tensor& x, const Tensor& weight, const Tensor* bias, Tensor& out, float beta) {
  const Device dev = x.device();
  require_f32(x, dev, "linear", "x");
  require_f32(weight, dev, "linear", "weight");
  require_f32(out, dev, "linear", "out");
  SPINDLE_ASSERT(weight.ndim() == 2 && x.ndim() >= 1);
  const int64_t k = weight.dim(1), n = weight.dim(0), m = rows_of(x);
  SPINDLE_ASSERT(x.dim(-1) == k && out.dim(-1) == n && rows_of(out) == m);
  if (bias) {
    require_f32(*bias, dev, "linear", "bias");
    SPINDLE_ASSERT(bias->numel() == n);
    float* o = out.data<float>();
    const float* bb = bias->data<float>();
    if (on_gpu(x)) {
      cuda::backend().bias_rows(o, bb, m, n, beta != 0.f);
    } else if (beta == 0.f) {
#pragma omp parallel for if (m * n > 65536)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) o[i * n + j] = bb[j];
    } else {
#pragma omp parallel for if (m * n > 65536)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) o[i * n + j] += bb[j];
    }
    beta = 1.f;
  }
  (on_gpu(x) ? cuda::backend().gemm_f32 : cpu::gemm_f32)(false, true, m, n, k, 1.f, x.data<float>(), k, weight.data<float>(), k,
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
  require_f32(a, a.device(), "matmul", "a");
  require_f32(b, a.device(), "matmul", "b");
  SPINDLE_ASSERT(a.ndim() == 2 && b.ndim() == 2);
  const int64_t m = trans_a ? a.dim(1) : a.dim(0), k = trans_a ? a.dim(0) : a.dim(1);
  const int64_t n = trans_b ? b.dim(0) : b.dim(1);
  SPINDLE_ASSERT((trans_b ? b.dim(1) : b.dim(0)) == k);
  Tensor c = Tensor::empty({m, n}, DType::f32, a.device());
  (on_gpu(a) ? cuda::backend().gemm_f32 : cpu::gemm_f32)(trans_a, trans_b, m, n, k, 1.f, a.data<float>(), a.dim(1), b.data<float>(), b.dim(1), 0.f,
                c.data<float>(), n);
  return c;
}

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor* bias, float eps) {
  require_f32(x, x.device(), "layer_norm", "x");
  require_f32(weight, x.device(), "layer_norm", "weight");
  if (bias) require_f32(*bias, x.device(), "layer_norm", "bias");
  SPINDLE_ASSERT(weight.numel() == x.dim(-1) && (!bias || bias->numel() == x.dim(-1)));
  Tensor y = Tensor::empty(x.shape(), DType::f32, x.device());
  (on_gpu(x) ? cuda::backend().layer_norm : cpu::layer_norm)(x.data<float>(), weight.data<float>(), bias ? bias->data<float>() : nullptr, eps, rows_of(x),
                  x.dim(-1), y.data<float>());
  return y;
}

Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps) {
  require_f32(x, x.device(), "rms_norm", "x");
  require_f32(weight, x.device(), "rms_norm", "weight");
  SPINDLE_ASSERT(weight.numel() == x.dim(-1));
  Tensor y = Tensor::empty(x.shape(), DType::f32, x.device());
  (on_gpu(x) ? cuda::backend().rms_norm : cpu::rms_norm)(x.data<float>(), weight.data<float>(), eps, rows_of(x), x.dim(-1), y.data<float>());
  return y;
}

void gelu_erf_(Tensor& x) {
  require_f32(x, x.device(), "gelu_erf", "x");
  (on_gpu(x) ? cuda::backend().gelu_erf : cpu::gelu_erf)(x.data<float>(), x.numel());
}
void gelu_tanh_(Tensor& x) {
  require_f32(x, x.device(), "gelu_tanh", "x");
  (on_gpu(x) ? cuda::backend().gelu_tanh : cpu::gelu_tanh)(x.data<float>(), x.numel());
}
void silu_(Tensor& x) {
  require_f32(x, x.device(), "silu", "x");
  (on_gpu(x) ? cuda::backend().silu : cpu::silu)(x.data<float>(), x.numel());
}
void softplus_(Tensor& x) {
  require_f32(x, x.device(), "softplus", "x");
  (on_gpu(x) ? cuda::backend().softplus : cpu::softplus)(x.data<float>(), x.numel());
}
void softmax_(Tensor& x) {
  require_f32(x, x.device(), "softmax", "x");
  (on_gpu(x) ? cuda::backend().softmax : cpu::softmax)(x.data<float>(), rows_of(x), x.dim(-1));
}

void add_(Tensor& x, const Tensor& y) {
  require_f32(x, x.device(), "add", "x");
  require_f32(y, x.device(), "add", "y");
  SPINDLE_ASSERT(x.numel() == y.numel());
  (on_gpu(x) ? cuda::backend().add : cpu::add)(x.data<float>(), y.data<float>(), x.numel());
}

Tensor embedding(const Tensor& ids, const Tensor& table) {
  SPINDLE_ASSERT(ids.dtype() == DType::i64);
  require_f32(table, ids.device(), "embedding", "table");
  SPINDLE_ASSERT(table.ndim() == 2);
  Shape shape = ids.shape();
  shape.push_back(table.dim(1));
  Tensor out = Tensor::empty(shape, DType::f32, ids.device());
  (on_gpu(ids) ? cuda::backend().embedding : cpu::embedding)(ids.data<int64_t>(), ids.numel(), table.data<float>(), table.dim(0), table.dim(1), out.data<float>());
  return out;
}

Tensor causal_conv1d(const Tensor& x, const Tensor& weight, const Tensor* bias) {
  require_f32(x, x.device(), "causal_conv1d", "x");
  require_f32(weight, x.device(), "causal_conv1d", "weight");
  SPINDLE_ASSERT(x.ndim() == 3 && weight.ndim() == 2 && weight.dim(0) == x.dim(2));
  if (bias) require_f32(*bias, x.device(), "causal_conv1d", "bias");
  if (bias) SPINDLE_ASSERT(bias->numel() == x.dim(2));
  Tensor y = Tensor::empty(x.shape(), DType::f32, x.device());
  (on_gpu(x) ? cuda::backend().causal_conv1d : cpu::causal_conv1d)(x.data<float>(), weight.data<float>(), bias ? bias->data<float>() : nullptr, x.dim(0), x.dim(1),
                     x.dim(2), weight.dim(1), y.data<float>());
  return y;
}

Tensor fft_conv(const Tensor& u, const Tensor& k) {
  require_f32(u, u.device(), "fft_conv", "u");
  require_f32(k, u.device(), "fft_conv", "k");
  SPINDLE_ASSERT(u.ndim() == 2);
  const bool shared = k.ndim() == 1;
  SPINDLE_ASSERT(shared ? k.dim(0) == u.dim(1) : k.shape() == u.shape());
  Tensor y = Tensor::empty(u.shape(), DType::f32, u.device());
  (on_gpu(u) ? cuda::backend().fft_conv : cpu::fft_conv)(u.data<float>(), k.data<float>(), shared, u.dim(0), u.dim(1), y.data<float>());
  return y;
}

int64_t fft_conv_size(int64_t length) { return cpu::fft_conv_size(length); }

}  // namespace spindle::ops
