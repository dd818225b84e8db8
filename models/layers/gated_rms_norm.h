// mamba_ssm RMSNormGated (MODELS.md 3.2): y * silu(z) normalised per group of `group_size`
// channels (norm_before_gate = false, the default), or norm(y) * silu(z) (norm_before_gate = true).
// HF's MambaRMSNormGated normalises over all channels; that equals group_size = d_inner (G = 1).
#pragma once

#include "kernels/tensor.h"

namespace spindle {

// y, z [T, C] (z may be null: plain grouped RMSNorm), weight [C]; C % group_size == 0.
// Sums of squares in f64. Returns [T, C].
Tensor gated_rms_norm(const Tensor& y, const Tensor* z, const Tensor& weight, int64_t group_size, float eps,
                      bool norm_before_gate = false);

}  // namespace spindle
