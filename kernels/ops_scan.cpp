// The scan and attention ops of kernels/ops.h: shape checks (kernels/op_checks.h), then the kernel
// of the tensors' device through the one dispatch (kernels/kernels.h).
#include "kernels/kernels.h"
#include "kernels/op_checks.h"
#include "kernels/ops.h"

namespace spindle::ops {
using detail::require;

namespace {

// [L, ...] is accepted as a batch of one.
Shape batched(const Tensor& t, int64_t ndim) {
  Shape s = t.shape();
  if (static_cast<int64_t>(s.size()) == ndim - 1) s.insert(s.begin(), 1);
  if (static_cast<int64_t>(s.size()) != ndim) throw Error("scan op: tensor " + t.describe() + " has the wrong rank");
  return s;
}

}  // namespace

Tensor selective_scan(const Tensor& x, const Tensor& delta, const Tensor& A, const Tensor& B, const Tensor& C,
                      const Tensor* D_skip, const Tensor* z, Tensor* state) {
  const Shape xs = batched(x, 3), bs = batched(B, 4);
  const int64_t Bt = xs[0], L = xs[1], Dc = xs[2], G = bs[2], N = bs[3];
  const char* op = "selective_scan";
  const Device dev = x.device();
  require(x, dev, op, "x", x.shape());
  require(delta, dev, op, "delta", x.shape());
  require(A, dev, op, "A", {Dc, N});
  require(B, dev, op, "B", B.shape());
  require(C, dev, op, "C", B.shape());
  if (bs[0] != Bt || bs[1] != L || G <= 0 || Dc % G != 0)
    throw Error("selective_scan: B " + shape_str(B.shape()) + " does not match x " + shape_str(x.shape()));
  if (D_skip) require(*D_skip, dev, op, "D", {Dc});
  if (z) require(*z, dev, op, "z", x.shape());
  if (state) require(*state, dev, op, "state", {Bt, Dc, N});
  Tensor y = Tensor::empty(x.shape(), DType::f32, dev);
  SelectiveScanParams p;
  p.batch = Bt, p.length = L, p.channels = Dc, p.state = N, p.groups = G;
  p.x = x.data<float>(), p.delta = delta.data<float>(), p.A = A.data<float>();
  p.B = B.data<float>(), p.C = C.data<float>();
  p.D = D_skip ? D_skip->data<float>() : nullptr;
  p.z = z ? z->data<float>() : nullptr;
  p.state_io = state ? state->data<float>() : nullptr;
  p.y = y.data<float>();
  if (L > 0) SPINDLE_KERNEL(selective_scan, DType::f32, dev)(p);
  return y;
}

static SsdParams ssd_params(const char* op, const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B,
                                 const Tensor& C, const Tensor* D_skip, Tensor* state, Tensor& y) {
  const Shape xs = batched(x, 4), bs = batched(B, 4);
  const int64_t Bt = xs[0], L = xs[1], H = xs[2], P = xs[3], G = bs[2], N = bs[3];
  const Device dev = x.device();
  require(x, dev, op, "x", x.shape());
  require(dt, dev, op, "dt", x.ndim() == 4 ? Shape{Bt, L, H} : Shape{L, H});
  require(A, dev, op, "A", {H});
  require(B, dev, op, "B", B.shape());
  require(C, dev, op, "C", B.shape());
  if (bs[0] != Bt || bs[1] != L || G <= 0 || H % G != 0)
    throw Error(std::string(op) + ": B " + shape_str(B.shape()) + " does not match x " + shape_str(x.shape()));
  if (D_skip) require(*D_skip, dev, op, "D", {H});
  if (state) require(*state, dev, op, "state", {Bt, H, P, N});
  y = Tensor::empty(x.shape(), DType::f32, dev);
  SsdParams p;
  p.batch = Bt, p.length = L, p.heads = H, p.head_dim = P, p.groups = G, p.state = N;
  p.x = x.data<float>(), p.dt = dt.data<float>(), p.A = A.data<float>();
  p.B = B.data<float>(), p.C = C.data<float>();
  p.D = D_skip ? D_skip->data<float>() : nullptr;
  p.state_io = state ? state->data<float>() : nullptr;
  p.y = y.data<float>();
  return p;
}

Tensor ssd_scan(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B, const Tensor& C,
                const Tensor* D_skip, Tensor* state, int64_t chunk) {
  if (chunk <= 0) throw Error("ssd_scan: chunk size must be positive, got " + std::to_string(chunk));
  Tensor y;
  SsdParams p = ssd_params("ssd_scan", x, dt, A, B, C, D_skip, state, y);
  p.chunk = chunk;
  if (p.length > 0) SPINDLE_KERNEL(ssd_scan_chunked, DType::f32, x.device())(p);
  return y;
}

Tensor ssd_scan_sequential(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B, const Tensor& C,
                           const Tensor* D_skip, Tensor* state) {
  Tensor y;
  SsdParams p = ssd_params("ssd_scan_sequential", x, dt, A, B, C, D_skip, state, y);
  if (p.length > 0) SPINDLE_KERNEL(ssd_scan_sequential, DType::f32, x.device())(p);
  return y;
}

// Checks q, k, v and the mask and fills the kernel parameters (out allocated on q's device).
static AttentionParams attention_params(const Tensor& q, const Tensor& k, const Tensor& v, float scale, bool causal,
                                        const Tensor* key_mask, Tensor& out) {
  const Shape qs = batched(q, 4), ks = batched(k, 4);
  const char* op = "attention";
  const Device dev = q.device();
  require(q, dev, op, "q", q.shape());
  require(k, dev, op, "k", k.shape());
  require(v, dev, op, "v", k.shape());
  if (ks[0] != qs[0] || ks[3] != qs[3] || ks[2] <= 0 || qs[2] % ks[2] != 0)
    throw Error("attention: k " + shape_str(k.shape()) + " does not fit q " + shape_str(q.shape()) +
                " (batch, head_dim, heads % kv_heads)");
  if (key_mask) require(*key_mask, dev, op, "key_mask", {qs[0], ks[1]}, DType::u8);
  out = Tensor::empty(q.shape(), DType::f32, dev);
  AttentionParams p;
  p.batch = qs[0], p.q_len = qs[1], p.k_len = ks[1], p.heads = qs[2], p.kv_heads = ks[2], p.head_dim = qs[3];
  p.scale = scale, p.causal = causal;
  p.q = q.data<float>(), p.k = k.data<float>(), p.v = v.data<float>();
  p.key_mask = key_mask ? key_mask->data<uint8_t>() : nullptr;
  p.out = out.data<float>();
  return p;
}

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, float scale, bool causal, const Tensor* key_mask) {
  Tensor out;
  const AttentionParams p = attention_params(q, k, v, scale, causal, key_mask, out);
  if (p.q_len > 0 && p.batch > 0) SPINDLE_KERNEL(attention, DType::f32, q.device())(p);
  return out;
}

bool supports_bf16_attention(Device device, int64_t head_dim) {
  return (head_dim == 64 || head_dim == 128) && supports_op(Op::attention_tensor_cores, {DType::bf16}, device);
}

Tensor attention_bf16(const Tensor& q, const Tensor& k, const Tensor& v, float scale, bool causal,
                      const Tensor* key_mask) {
  Tensor out;
  const AttentionParams p = attention_params(q, k, v, scale, causal, key_mask, out);
  if (p.q_len > 0 && p.batch > 0) SPINDLE_KERNEL(attention_tensor_cores, DType::bf16, q.device())(p);
  return out;
}

}  // namespace spindle::ops
