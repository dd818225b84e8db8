// The Hyena operator of HyenaDNA (MODELS.md 1.4): in_proj, short depthwise conv, N-1 rounds of
// gating and FFT long convolution with the implicit filter, output gate, out_proj.
//
// Memory is what makes 1M-token inputs possible: instead of materialising in_proj's [L, (N+1)D]
// output, channels are processed in groups. For each group the pre-norm, the projection and the
// short conv run over L in chunks, the long convolution over the whole length, and the gated result
// lands in y [L, D]. Peak extra memory is O(L * group) rather than O(L * 3D).
//
// Every step is an op of the catalogue (kernels/ops.h, the Hyena ones in kernels/ops_hyena.cpp), so
// the layer runs on the device its checkpoint placed the weights on; residual must live there too.
#pragma once

#include "kernels/tensor.h"
#include "models/checkpoint.h"
#include "models/layers/hyena_filter.h"

namespace spindle {

struct LayerNormWeights {
  Tensor weight, bias;
  float eps = 1e-5f;
};

class HyenaOperator {
 public:
  HyenaOperator(const Checkpoint& ckpt, const std::string& prefix, const HyenaFilterShape& shape,
                int64_t short_filter_order);

  // residual: [L, D] block input, updated in place: residual += out_proj(Hyena(norm(residual))).
  // norm is the block's pre-norm, applied here chunk by chunk.
  void forward_add(Tensor& residual, const LayerNormWeights& norm) const;
  int64_t parameter_count() const;

 private:
  int64_t d_model_, order_, short_order_;
  HyenaFilter filter_;
  Tensor in_weight_grouped_, in_bias_grouped_;  // in_proj rows reordered group by group
  Tensor short_weight_grouped_, short_bias_grouped_;
  Tensor out_weight_, out_bias_;
  int64_t group_size_;
};

}  // namespace spindle
