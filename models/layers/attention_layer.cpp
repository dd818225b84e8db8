#include "models/layers/attention_layer.h"

#include <cmath>
#include <cstring>

#include "kernels/ops.h"
#include "models/layers/stream_conv.h"

namespace spindle {

AttentionLayer::AttentionLayer(const Checkpoint& ckpt, const std::string& p, const AttentionShape& s) : s_(s) {
  const int64_t D = s.d_model, qkv = s.qkv_dim();
  if (s.heads <= 0 || s.kv_heads <= 0 || s.heads % s.kv_heads != 0 || s.head_dim <= 0 || s.rotary_dim % 2 != 0 ||
      s.rotary_dim > s.head_dim)
    throw Error(ckpt.path() + ": attention layer '" + p + "': invalid heads/kv heads/head_dim/rotary_dim");
  const TensorEntry& in_entry = ckpt.entry(p + "in_proj.weight");
  const int64_t rows = in_entry.shape.empty() ? 0 : in_entry.shape[0];
  if (rows < qkv || (rows - qkv) % 2 != 0)
    throw Error(ckpt.path() + ": tensor '" + p + "in_proj.weight' has " + std::to_string(rows) + " rows, expected " +
                std::to_string(qkv) + " (+ 2 mlp_dim)");
  mlp_dim_ = (rows - qkv) / 2;
  Tensor in_w = ckpt.get(p + "in_proj.weight", {rows, D});
  qkv_w_ = in_w.slice(0, qkv);
  up_w_ = in_w.slice(qkv, qkv + mlp_dim_);
  gate_w_ = in_w.slice(qkv + mlp_dim_, rows);
  if (s.qkv_bias) {
    Tensor in_b = ckpt.get(p + "in_proj.bias", {rows});
    qkv_b_ = in_b.slice(0, qkv);
    up_b_ = in_b.slice(qkv, qkv + mlp_dim_);
    gate_b_ = in_b.slice(qkv + mlp_dim_, rows);
  }
  if (s.d_conv > 0) {
    conv_w_ = ckpt.get(p + "conv1d.weight", {qkv, 1, s.d_conv}).reshape({qkv, s.d_conv});
    if (ckpt.has(p + "conv1d.bias")) conv_b_ = ckpt.get(p + "conv1d.bias", {qkv});
  }
  out_w_ = ckpt.get(p + "out_proj.weight", {D, s.heads * s.head_dim + mlp_dim_});
  if (s.out_bias) out_b_ = ckpt.get(p + "out_proj.bias", {D});
  // inv_freq as flash-attn's RotaryEmbedding builds it, in f32: 1 / base^(2i / dim).
  for (int64_t i = 0; i < s.rotary_dim / 2; ++i)
    inv_freq_.push_back(1.f / std::pow(s.rotary_base, static_cast<float>(2 * i) / static_cast<float>(s.rotary_dim)));
}

AttentionState AttentionLayer::initial_state() const {
  AttentionState st;
  if (s_.d_conv > 0) st.conv = Tensor::zeros({s_.d_conv - 1, s_.qkv_dim()});
  return st;
}

void AttentionLayer::apply_rotary(Tensor& q, Tensor& k, int64_t pos0) const {
  const int64_t T = q.dim(0), hd = s_.head_dim, half = s_.rotary_dim / 2;
  if (half == 0) return;
  std::vector<float> cos_t(half), sin_t(half);
  auto rotate = [&](float* x) {
    for (int64_t i = 0; i < half; ++i) {
      // Non-interleaved: pairs (i, i + half); interleaved: pairs (2i, 2i + 1).
      float& a = s_.rotary_interleaved ? x[2 * i] : x[i];
      float& b = s_.rotary_interleaved ? x[2 * i + 1] : x[i + half];
      const float x1 = a, x2 = b;
      a = x1 * cos_t[i] - x2 * sin_t[i];
      b = x2 * cos_t[i] + x1 * sin_t[i];
    }
  };
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t i = 0; i < half; ++i) {
      const float angle = static_cast<float>(pos0 + t) * inv_freq_[i];  // f32, as the reference
      cos_t[i] = static_cast<float>(std::cos(static_cast<double>(angle)));
      sin_t[i] = static_cast<float>(std::sin(static_cast<double>(angle)));
    }
    for (int64_t h = 0; h < s_.heads; ++h) rotate(q.data<float>() + (t * s_.heads + h) * hd);
    for (int64_t h = 0; h < s_.kv_heads; ++h) rotate(k.data<float>() + (t * s_.kv_heads + h) * hd);
  }
}

Tensor AttentionLayer::forward(const Tensor& u, AttentionState* state) const {
  const int64_t T = u.dim(0), hd = s_.head_dim, H = s_.heads, Hkv = s_.kv_heads, qkv_dim = s_.qkv_dim();
  auto opt = [](const Tensor& t) { return t.defined() ? &t : nullptr; };
  Tensor qkv = ops::linear(u, qkv_w_, opt(qkv_b_));
  if (s_.d_conv > 0) qkv = causal_conv1d_stream(qkv, conv_w_, opt(conv_b_), state ? &state->conv : nullptr);
  Tensor q = Tensor::empty({T, H, hd}), k = Tensor::empty({T, Hkv, hd}), v = Tensor::empty({T, Hkv, hd});
  for (int64_t t = 0; t < T; ++t) {
    const float* row = qkv.data<float>() + t * qkv_dim;
    std::memcpy(q.data<float>() + t * H * hd, row, H * hd * sizeof(float));
    std::memcpy(k.data<float>() + t * Hkv * hd, row + H * hd, Hkv * hd * sizeof(float));
    std::memcpy(v.data<float>() + t * Hkv * hd, row + (H + Hkv) * hd, Hkv * hd * sizeof(float));
  }
  const int64_t pos0 = state ? state->positions : 0;
  apply_rotary(q, k, pos0);
  const float scale = s_.softmax_scale > 0.f ? s_.softmax_scale : 1.f / std::sqrt(static_cast<float>(hd));
  Tensor context;
  if (state) {
    if (!s_.causal) throw Error("attention: a bidirectional layer cannot run on a chunked stream");
    state->k.insert(state->k.end(), k.data<float>(), k.data<float>() + k.numel());
    state->v.insert(state->v.end(), v.data<float>(), v.data<float>() + v.numel());
    state->positions += T;
    const int64_t Lk = state->positions;
    Tensor k_all = Tensor::wrap(state->k.data(), {1, Lk, Hkv, hd}, DType::f32, nullptr);
    Tensor v_all = Tensor::wrap(state->v.data(), {1, Lk, Hkv, hd}, DType::f32, nullptr);
    context = ops::attention(q.reshape({1, T, H, hd}), k_all, v_all, scale, true);
  } else {
    context = ops::attention(q.reshape({1, T, H, hd}), k.reshape({1, T, Hkv, hd}), v.reshape({1, T, Hkv, hd}), scale,
                             s_.causal);
  }
  context = context.reshape({T, H * hd});
  if (mlp_dim_ > 0) {  // out_proj reads [context | up * silu(gate)]
    Tensor up = ops::linear(u, up_w_, opt(up_b_)), gate = ops::linear(u, gate_w_, opt(gate_b_));
    ops::silu_(gate);
    Tensor joined = Tensor::empty({T, H * hd + mlp_dim_});
    for (int64_t t = 0; t < T; ++t) {
      float* row = joined.data<float>() + t * (H * hd + mlp_dim_);
      std::memcpy(row, context.data<float>() + t * H * hd, H * hd * sizeof(float));
      for (int64_t c = 0; c < mlp_dim_; ++c)
        row[H * hd + c] = up.data<float>()[t * mlp_dim_ + c] * gate.data<float>()[t * mlp_dim_ + c];
    }
    context = joined;
  }
  return ops::linear(context, out_w_, opt(out_b_));
}

int64_t AttentionLayer::parameter_count() const {
  auto n = [](const Tensor& t) { return t.defined() ? t.numel() : 0; };
  return n(qkv_w_) + n(qkv_b_) + n(up_w_) + n(up_b_) + n(gate_w_) + n(gate_b_) + n(conv_w_) + n(conv_b_) + n(out_w_) +
         n(out_b_);
}

}  // namespace spindle
