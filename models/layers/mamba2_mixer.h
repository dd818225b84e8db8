// The Mamba2 mixer (MODELS.md 3): in_proj -> [z0 | x0 | z | xBC | dt] (z0/x0: an optional gated MLP
// of width d_mlp, inferred from in_proj's rows), causal conv + SiLU on xBC, SSD scan over heads
// (chunked, ops::ssd_scan), grouped gated RMSNorm (ops::gated_rms_norm), out_proj. Keys under
// `prefix`: in_proj.weight (+bias), conv1d.weight [conv_dim, 1, K] (+bias), dt_bias [H], A_log [H],
// D [H] (or [d_ssm]), norm.weight [d_ssm] (when rmsnorm), out_proj.weight [D, d_mlp + d_ssm] (+bias).
#pragma once

#include <limits>
#include <string>

#include "models/checkpoint.h"

namespace spindle {

struct Mamba2MixerShape {
  int64_t d_model = 0, d_ssm = 0, d_state = 128, d_conv = 4, head_dim = 64, n_groups = 1, chunk = 256;
  float dt_min = 0.f, dt_max = std::numeric_limits<float>::infinity();  // dt_limit clamp
  bool rmsnorm = true, norm_before_gate = false;
  float norm_eps = 1e-5f;
  bool bias = false, conv_bias = true;
  int64_t heads() const { return d_ssm / head_dim; }
};

// What a chunked run carries between chunks (as MambaState), on the mixer's device.
struct Mamba2State {
  Tensor conv_x, conv_b, conv_c;  // [K-1, d_ssm], [K-1, G N], [K-1, G N]
  Tensor ssm;                     // [1, H, P, N]
};

class Mamba2Mixer {
 public:
  Mamba2Mixer(const Checkpoint& ckpt, const std::string& prefix, const Mamba2MixerShape& shape);

  // u [T, D] -> [T, D]; `state` as for MambaMixer::forward.
  Tensor forward(const Tensor& u, Mamba2State* state) const;
  Mamba2State initial_state() const;
  int64_t parameter_count() const;

  // Debug/test hook: use the sequential recurrence instead of the chunked SSD.
  void use_sequential_scan(bool on) { sequential_ = on; }

 private:
  Mamba2MixerShape s_;
  int64_t d_mlp_ = 0;
  Tensor z0_w_, x0_w_, z_w_, x_w_, b_w_, c_w_, dt_w_;  // in_proj row blocks
  Tensor z0_b_, x0_b_, z_b_, x_b_, b_b_, c_b_, dt_b_in_;
  Tensor conv_x_w_, conv_b_w_, conv_c_w_, conv_x_b_, conv_b_b_, conv_c_b_;
  Tensor dt_bias_, A_, D_;
  bool d_per_channel_ = false;
  Tensor norm_w_, out_w_, out_b_;
  bool sequential_ = false;
};

}  // namespace spindle
