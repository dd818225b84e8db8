#include "models/layers/attention_layer.h"

#include <algorithm>
#include <cmath>

#include "kernels/backend.h"
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
  rotary_ = Rotary(s.rotary_dim, s.rotary_base, s.rotary_interleaved, ckpt.device());
}

AttentionState AttentionLayer::initial_state() const {
  AttentionState st;
  const Device dev = out_w_.device();
  if (s_.d_conv > 0) st.conv = Tensor::zeros({s_.d_conv - 1, s_.qkv_dim()}, DType::f32, dev);
  st.k = Tensor::empty({0, s_.kv_heads, s_.head_dim}, DType::f32, dev);
  st.v = Tensor::empty({0, s_.kv_heads, s_.head_dim}, DType::f32, dev);
  return st;
}

void AttentionLayer::append_to_cache(AttentionState& st, const Tensor& k, const Tensor& v) const {
  const Device dev = k.device();
  const int64_t T = k.dim(0), needed = st.positions + T;
  if (needed > st.k.dim(0)) {
    // Doubling keeps the total copying linear in L; the rows past `positions` are never read.
    const int64_t capacity = std::max<int64_t>(needed, 2 * st.k.dim(0));
    for (Tensor* cache : {&st.k, &st.v}) {
      Tensor grown = Tensor::empty({capacity, s_.kv_heads, s_.head_dim}, DType::f32, dev);
      copy_bytes(grown.raw(), dev, cache->raw(), dev, cache->slice(0, st.positions).nbytes());
      *cache = grown;
    }
  }
  copy_bytes(st.k.slice(st.positions, needed).raw(), dev, k.raw(), dev, k.nbytes());
  copy_bytes(st.v.slice(st.positions, needed).raw(), dev, v.raw(), dev, v.nbytes());
  st.positions = needed;
}

Tensor AttentionLayer::forward(const Tensor& u, AttentionState* state) const {
  const int64_t T = u.dim(0), hd = s_.head_dim, H = s_.heads, Hkv = s_.kv_heads;
  auto opt = [](const Tensor& t) { return t.defined() ? &t : nullptr; };
  Tensor qkv = ops::linear(u, qkv_w_, opt(qkv_b_));
  if (s_.d_conv > 0) qkv = causal_conv1d_stream(qkv, conv_w_, opt(conv_b_), state ? &state->conv : nullptr);
  Tensor q = ops::columns(qkv, 0, H * hd).reshape({T, H, hd});
  Tensor k = ops::columns(qkv, H * hd, Hkv * hd).reshape({T, Hkv, hd});
  Tensor v = ops::columns(qkv, (H + Hkv) * hd, Hkv * hd).reshape({T, Hkv, hd});
  const int64_t pos0 = state ? state->positions : 0;
  rotary_.apply(q, pos0, /*period=*/0);
  rotary_.apply(k, pos0, /*period=*/0);
  const float scale = s_.softmax_scale > 0.f ? s_.softmax_scale : 1.f / std::sqrt(static_cast<float>(hd));
  Tensor context;
  if (state) {
    if (!s_.causal) throw Error("attention: a bidirectional layer cannot run on a chunked stream");
    append_to_cache(*state, k, v);
    const int64_t Lk = state->positions;
    Tensor k_all = state->k.slice(0, Lk).reshape({1, Lk, Hkv, hd});
    Tensor v_all = state->v.slice(0, Lk).reshape({1, Lk, Hkv, hd});
    context = ops::attention(q.reshape({1, T, H, hd}), k_all, v_all, scale, true);
  } else {
    context = ops::attention(q.reshape({1, T, H, hd}), k.reshape({1, T, Hkv, hd}), v.reshape({1, T, Hkv, hd}), scale,
                             s_.causal);
  }
  context = context.reshape({T, H * hd});
  if (mlp_dim_ > 0) {  // out_proj reads [context | up * silu(gate)]
    Tensor up = ops::linear(u, up_w_, opt(up_b_)), gate = ops::linear(u, gate_w_, opt(gate_b_));
    ops::silu_(gate);
    ops::mul_(up, gate);
    context = ops::concat_columns(context, up);
  }
  return ops::linear(context, out_w_, opt(out_b_));
}

int64_t AttentionLayer::parameter_count() const {
  auto n = [](const Tensor& t) { return t.defined() ? t.numel() : 0; };
  return n(qkv_w_) + n(qkv_b_) + n(up_w_) + n(up_b_) + n(gate_w_) + n(gate_b_) + n(conv_w_) + n(conv_b_) + n(out_w_) +
         n(out_b_);
}

}  // namespace spindle
