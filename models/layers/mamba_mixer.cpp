#include "models/layers/mamba_mixer.h"

#include <cmath>

#include "kernels/ops.h"
#include "models/layers/stream_conv.h"

namespace spindle {

MambaMixer::MambaMixer(const Checkpoint& ckpt, const std::string& p, const MambaMixerShape& s) : shape_(s) {
  const int64_t D = s.d_model, E = s.d_inner, N = s.d_state, R = s.dt_rank, K = s.d_conv;
  Tensor in_w = ckpt.get(p + "in_proj.weight", {2 * E, D});
  x_w_ = in_w.slice(0, E);
  z_w_ = in_w.slice(E, 2 * E);
  if (s.bias) {
    Tensor in_b = ckpt.get(p + "in_proj.bias", {2 * E});
    x_b_ = in_b.slice(0, E);
    z_b_ = in_b.slice(E, 2 * E);
    out_b_ = ckpt.get(p + "out_proj.bias", {D});
  }
  conv_w_ = ckpt.get(p + "conv1d.weight", {E, 1, K}).reshape({E, K});
  if (s.conv_bias) conv_b_ = ckpt.get(p + "conv1d.bias", {E});
  Tensor xp = ckpt.get(p + "x_proj.weight", {R + 2 * N, E});
  dt_low_w_ = xp.slice(0, R);
  b_w_ = xp.slice(R, R + N);
  c_w_ = xp.slice(R + N, R + 2 * N);
  dt_w_ = ckpt.get(p + "dt_proj.weight", {E, R});
  dt_b_ = ckpt.get(p + "dt_proj.bias", {E});
  // A = -exp(A_log), once on the host while loading, then uploaded with the other weights.
  // (get_host may borrow the mapped file, so the result goes to a tensor of its own.)
  Tensor a_log = ckpt.get_host(p + "A_log", {E, N}), A = Tensor::empty({E, N});
  for (int64_t i = 0; i < E * N; ++i) A.data<float>()[i] = -std::exp(a_log.data<float>()[i]);
  A_ = A.to(ckpt.device());
  D_ = ckpt.get(p + "D", {E});
  out_w_ = ckpt.get(p + "out_proj.weight", {D, E});
}

MambaState MambaMixer::initial_state() const {
  const Device dev = A_.device();
  return {Tensor::zeros({shape_.d_conv - 1, shape_.d_inner}, DType::f32, dev),
          Tensor::zeros({1, shape_.d_inner, shape_.d_state}, DType::f32, dev)};
}

Tensor MambaMixer::forward(const Tensor& u, MambaState* state) const {
  const int64_t T = u.dim(0), E = shape_.d_inner, N = shape_.d_state;
  auto opt = [](const Tensor& t) { return t.defined() ? &t : nullptr; };
  Tensor x = ops::linear(u, x_w_, opt(x_b_));
  Tensor z = ops::linear(u, z_w_, opt(z_b_));
  x = causal_conv1d_stream(x, conv_w_, opt(conv_b_), state ? &state->conv : nullptr);
  ops::silu_(x);
  Tensor delta = ops::linear(ops::linear(x, dt_low_w_), dt_w_, &dt_b_);
  ops::softplus_(delta);
  Tensor B = ops::linear(x, b_w_).reshape({1, T, 1, N});
  Tensor C = ops::linear(x, c_w_).reshape({1, T, 1, N});
  Tensor zb = z.reshape({1, T, E});
  Tensor y = ops::selective_scan(x.reshape({1, T, E}), delta.reshape({1, T, E}), A_, B, C, &D_, &zb,
                                 state ? &state->ssm : nullptr);
  return ops::linear(y.reshape({T, E}), out_w_, opt(out_b_));
}

int64_t MambaMixer::parameter_count() const {
  auto n = [](const Tensor& t) { return t.defined() ? t.numel() : 0; };
  return n(x_w_) + n(z_w_) + n(x_b_) + n(z_b_) + n(conv_w_) + n(conv_b_) + n(dt_low_w_) + n(b_w_) + n(c_w_) +
         n(dt_w_) + n(dt_b_) + n(A_) + n(D_) + n(out_w_) + n(out_b_);
}

}  // namespace spindle
