// The Mamba (v1) mixer (MODELS.md 2.3): in_proj -> [x | z], causal depthwise conv + SiLU on x,
// x_proj -> [dt_low | B | C], delta = softplus(dt_proj(dt_low)), selective scan with D skip and
// the SiLU(z) gate, out_proj. Keys under `prefix`: in_proj.weight [2 d_in, D] (+bias),
// conv1d.weight [d_in, 1, K] (+bias), x_proj.weight [R + 2N, d_in], dt_proj.weight [d_in, R],
// dt_proj.bias, A_log [d_in, N], D [d_in], out_proj.weight [D, d_in] (+bias).
#pragma once

#include <string>

#include "models/checkpoint.h"

namespace spindle {

struct MambaMixerShape {
  int64_t d_model = 0, d_inner = 0, d_state = 16, d_conv = 4, dt_rank = 0;
  bool bias = false;       // in_proj / out_proj bias
  bool conv_bias = true;
};

// What a chunked run carries from one chunk to the next; its size does not depend on L. On the
// mixer's device.
struct MambaState {
  Tensor conv;  // [K-1, d_in]: the last K-1 conv inputs
  Tensor ssm;   // [1, d_in, N]
};

class MambaMixer {
 public:
  MambaMixer(const Checkpoint& ckpt, const std::string& prefix, const MambaMixerShape& shape);

  // u [T, D] -> [T, D]. With `state`, u continues the sequence the state came from (and the state
  // advances); without, u is a whole sequence.
  Tensor forward(const Tensor& u, MambaState* state) const;
  MambaState initial_state() const;
  int64_t parameter_count() const;
  const MambaMixerShape& shape() const { return shape_; }

 private:
  MambaMixerShape shape_;
  Tensor x_w_, z_w_, x_b_, z_b_;  // in_proj halves
  Tensor conv_w_, conv_b_;        // [d_in, K], [d_in]
  Tensor dt_low_w_, b_w_, c_w_;   // x_proj row blocks
  Tensor dt_w_, dt_b_;
  Tensor A_;                      // -exp(A_log) [d_in, N]
  Tensor D_;
  Tensor out_w_, out_b_;
};

}  // namespace spindle
