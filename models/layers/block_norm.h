// The per-block norm of the Mamba family: RMSNorm (the default, `rms_norm: true`) or LayerNorm
// with bias (`rms_norm: false`), applied over the last dimension.
#pragma once

#include <string>

#include "kernels/ops.h"
#include "models/checkpoint.h"

namespace spindle {

struct BlockNorm {
  Tensor weight, bias;  // bias only for LayerNorm
  float eps = 1e-5f;
  bool rms = true;

  // Reads `<prefix>weight` (and `<prefix>bias` for LayerNorm), each [dim].
  static BlockNorm load(const Checkpoint& ckpt, const std::string& prefix, int64_t dim, float eps, bool rms) {
    BlockNorm n;
    n.weight = ckpt.get(prefix + "weight", {dim});
    if (!rms) n.bias = ckpt.get(prefix + "bias", {dim});
    n.eps = eps;
    n.rms = rms;
    return n;
  }
  Tensor apply(const Tensor& x) const {
    return rms ? ops::rms_norm(x, weight, eps) : ops::layer_norm(x, weight, &bias, eps);
  }
  int64_t parameter_count() const { return weight.numel() + (bias.defined() ? bias.numel() : 0); }
};

}  // namespace spindle
