#include "models/layers/mamba2_mixer.h"

#include <cmath>

#include "kernels/ops.h"
#include "models/layers/stream_conv.h"

namespace spindle {

Mamba2Mixer::Mamba2Mixer(const Checkpoint& ckpt, const std::string& p, const Mamba2MixerShape& s) : s_(s) {
  const int64_t D = s.d_model, E = s.d_ssm, N = s.d_state, G = s.n_groups, K = s.d_conv, H = s.heads();
  if (E <= 0 || s.head_dim <= 0 || E % s.head_dim != 0 || G <= 0 || H % G != 0)
    throw Error(ckpt.path() + ": Mamba2 sizes do not fit (d_ssm " + std::to_string(E) + ", headdim " +
                std::to_string(s.head_dim) + ", ngroups " + std::to_string(G) + ")");
  const int64_t conv_dim = E + 2 * G * N, core = 2 * E + 2 * G * N + H;
  const TensorEntry& in_entry = ckpt.entry(p + "in_proj.weight");
  const int64_t rows = in_entry.shape.empty() ? 0 : in_entry.shape[0];
  if (rows < core || (rows - core) % 2 != 0)
    throw Error(ckpt.path() + ": tensor '" + p + "in_proj.weight' has " + std::to_string(rows) +
                " rows, expected 2 d_mlp + " + std::to_string(core));
  d_mlp_ = (rows - core) / 2;
  Tensor in_w = ckpt.get(p + "in_proj.weight", {rows, D});
  Tensor in_b = s.bias ? ckpt.get(p + "in_proj.bias", {rows}) : Tensor();
  int64_t at = 0;
  auto take = [&](Tensor& w, Tensor& b, int64_t n) {
    w = in_w.slice(at, at + n);
    if (in_b.defined()) b = in_b.slice(at, at + n);
    at += n;
  };
  take(z0_w_, z0_b_, d_mlp_);
  take(x0_w_, x0_b_, d_mlp_);
  take(z_w_, z_b_, E);
  take(x_w_, x_b_, E);
  take(b_w_, b_b_, G * N);
  take(c_w_, c_b_, G * N);
  take(dt_w_, dt_b_in_, H);

  Tensor conv_w = ckpt.get(p + "conv1d.weight", {conv_dim, 1, K}).reshape({conv_dim, K});
  conv_x_w_ = conv_w.slice(0, E);
  conv_b_w_ = conv_w.slice(E, E + G * N);
  conv_c_w_ = conv_w.slice(E + G * N, conv_dim);
  if (s.conv_bias) {
    Tensor cb = ckpt.get(p + "conv1d.bias", {conv_dim});
    conv_x_b_ = cb.slice(0, E);
    conv_b_b_ = cb.slice(E, E + G * N);
    conv_c_b_ = cb.slice(E + G * N, conv_dim);
  }
  dt_bias_ = ckpt.get(p + "dt_bias", {H});
  // A = -exp(A_log) on the host while loading (get_host may borrow the mapped file: a new
  // tensor takes the result), then uploaded with the other weights.
  Tensor a_log = ckpt.get_host(p + "A_log", {H}), A = Tensor::empty({H});
  for (int64_t h = 0; h < H; ++h) A.data<float>()[h] = -std::exp(a_log.data<float>()[h]);
  A_ = A.to(ckpt.device());
  // D is per head by default; mamba_ssm's D_has_hdim stores one value per channel.
  const TensorEntry& d_entry = ckpt.entry(p + "D");
  d_per_channel_ = d_entry.shape.size() == 1 && d_entry.shape[0] == E && E != H;
  D_ = ckpt.get(p + "D", {d_per_channel_ ? E : H});
  if (s.rmsnorm) norm_w_ = ckpt.get(p + "norm.weight", {E});
  out_w_ = ckpt.get(p + "out_proj.weight", {D, d_mlp_ + E});
  if (s.bias) out_b_ = ckpt.get(p + "out_proj.bias", {D});
}

Mamba2State Mamba2Mixer::initial_state() const {
  const int64_t K = s_.d_conv, GN = s_.n_groups * s_.d_state;
  const Device dev = A_.device();
  return {Tensor::zeros({K - 1, s_.d_ssm}, DType::f32, dev), Tensor::zeros({K - 1, GN}, DType::f32, dev),
          Tensor::zeros({K - 1, GN}, DType::f32, dev),
          Tensor::zeros({1, s_.heads(), s_.head_dim, s_.d_state}, DType::f32, dev)};
}

Tensor Mamba2Mixer::forward(const Tensor& u, Mamba2State* state) const {
  const int64_t T = u.dim(0), E = s_.d_ssm, N = s_.d_state, G = s_.n_groups, H = s_.heads(), P = s_.head_dim;
  auto opt = [](const Tensor& t) { return t.defined() ? &t : nullptr; };
  auto conv_silu = [&](const Tensor& w_in, const Tensor& b_in, const Tensor& w, const Tensor& b, Tensor* st) {
    Tensor v = causal_conv1d_stream(ops::linear(u, w_in, opt(b_in)), w, opt(b), st);
    ops::silu_(v);
    return v;
  };
  Tensor x = conv_silu(x_w_, x_b_, conv_x_w_, conv_x_b_, state ? &state->conv_x : nullptr);
  Tensor B = conv_silu(b_w_, b_b_, conv_b_w_, conv_b_b_, state ? &state->conv_b : nullptr);
  Tensor C = conv_silu(c_w_, c_b_, conv_c_w_, conv_c_b_, state ? &state->conv_c : nullptr);
  Tensor dt = ops::linear(u, dt_w_, opt(dt_b_in_));
  ops::dt_softplus_(dt, dt_bias_, s_.dt_min, s_.dt_max);
  const Tensor* d_head = d_per_channel_ ? nullptr : &D_;
  Tensor* ssm = state ? &state->ssm : nullptr;
  Tensor xs = x.reshape({1, T, H, P}), dts = dt.reshape({1, T, H});
  Tensor Bs = B.reshape({1, T, G, N}), Cs = C.reshape({1, T, G, N});
  Tensor y = (sequential_ ? ops::ssd_scan_sequential(xs, dts, A_, Bs, Cs, d_head, ssm)
                          : ops::ssd_scan(xs, dts, A_, Bs, Cs, d_head, ssm, s_.chunk))
                 .reshape({T, E});
  if (d_per_channel_) ops::add_scaled_columns_(y, x, D_);
  Tensor z = ops::linear(u, z_w_, opt(z_b_));
  if (s_.rmsnorm) {
    y = ops::gated_rms_norm(y, &z, norm_w_, E / G, s_.norm_eps, s_.norm_before_gate);
  } else {
    ops::silu_(z);
    ops::mul_(y, z);
  }
  if (d_mlp_ > 0) {  // the parallel gated MLP: out_proj reads [x0 * silu(z0) | y]
    Tensor z0 = ops::linear(u, z0_w_, opt(z0_b_));
    Tensor x0 = ops::linear(u, x0_w_, opt(x0_b_));
    ops::silu_(z0);
    ops::mul_(x0, z0);
    y = ops::concat_columns(x0, y);
  }
  return ops::linear(y, out_w_, opt(out_b_));
}

int64_t Mamba2Mixer::parameter_count() const {
  auto n = [](const Tensor& t) { return t.defined() ? t.numel() : 0; };
  int64_t total = 0;
  for (const Tensor* t : {&z0_w_, &x0_w_, &z_w_, &x_w_, &b_w_, &c_w_, &dt_w_, &z0_b_, &x0_b_, &z_b_, &x_b_, &b_b_, &c_b_,
                          &dt_b_in_, &conv_x_w_, &conv_b_w_, &conv_c_w_, &conv_x_b_, &conv_b_b_, &conv_c_b_, &dt_bias_,
                          &A_, &D_, &norm_w_, &out_w_, &out_b_})
    total += n(*t);
  return total;
}

}  // namespace spindle
