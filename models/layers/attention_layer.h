// Multi-head attention of hybrid stacks (mamba_ssm `MHA`, MODELS.md 4): in_proj -> q | k | v
// (+ an optional [up | gate] MLP pair of width mlp_dim, inferred from in_proj's rows), an optional
// causal depthwise conv over qkv (no activation), rotary on the first rotary_dim channels of q and
// k (base 10000, non-interleaved halves by default, angles in f32), GQA, flash-style attention
// (ops::attention), out_proj over [context | mlp]. Keys under `prefix`: in_proj.weight (+bias),
// conv1d.weight [qkv, 1, K] (+bias), out_proj.weight (+bias).
#pragma once

#include <string>

#include "models/checkpoint.h"
#include "models/layers/rotary.h"

namespace spindle {

struct AttentionShape {
  int64_t d_model = 0, heads = 0, kv_heads = 0, head_dim = 0;
  int64_t rotary_dim = 0;
  float rotary_base = 10000.f;
  bool rotary_interleaved = false;
  bool causal = true;
  int64_t d_conv = 0;  // 0: no conv on qkv
  bool qkv_bias = true, out_bias = true;
  float softmax_scale = 0.f;  // 0: 1/sqrt(head_dim)
  int64_t qkv_dim() const { return (heads + 2 * kv_heads) * head_dim; }
};

// Carried between chunks of a causal stream: the conv state and the keys/values seen so far
// (this grows with L: attention, unlike the SSM layers, needs the whole past). All on the layer's
// device; the caches grow geometrically, so appending a chunk copies the past O(log L) times.
struct AttentionState {
  Tensor conv;      // [K-1, qkv_dim] (when d_conv > 0)
  Tensor k, v;      // [capacity, kv_heads, head_dim]; rows [0, positions) hold the past
  int64_t positions = 0;
};

class AttentionLayer {
 public:
  AttentionLayer(const Checkpoint& ckpt, const std::string& prefix, const AttentionShape& shape);

  // u [T, D] -> [T, D]. With `state`, u holds positions state->positions .. +T of a causal stream.
  Tensor forward(const Tensor& u, AttentionState* state) const;
  AttentionState initial_state() const;
  int64_t parameter_count() const;
  const AttentionShape& shape() const { return s_; }

 private:
  // Appends k, v [T, kv_heads, hd] to the state's caches, growing them when full.
  void append_to_cache(AttentionState& state, const Tensor& k, const Tensor& v) const;

  AttentionShape s_;
  int64_t mlp_dim_ = 0;
  Tensor qkv_w_, qkv_b_, up_w_, up_b_, gate_w_, gate_b_;
  Tensor conv_w_, conv_b_;
  Tensor out_w_, out_b_;
  Rotary rotary_;
};

}  // namespace spindle
