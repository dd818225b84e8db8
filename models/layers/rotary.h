// Rotary position embedding as the reference implementations build it (HF `RotaryEmbedding` for
// ESM-2, flash-attn's for the hybrid attention layers): inv_freq[i] = 1 / base^(2i / rotary_dim)
// in f32, angle = float(position) * inv_freq[i], applied by ops::rotary_ on the model's device.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/tensor.h"

namespace spindle {

class Rotary {
 public:
  Rotary() = default;
  // The first `rotary_dim` features of each head rotate, in pairs (i, i + rotary_dim/2) or, when
  // interleaved, (2i, 2i + 1). `inv_freq` (a checkpoint's stored buffer, rotary_dim/2 values)
  // replaces the computed frequencies when given. rotary_dim 0: apply() does nothing.
  Rotary(int64_t rotary_dim, float base, bool interleaved, Device device, std::vector<float> inv_freq = {});
  // x [rows, heads, head_dim], in place: row r sits at position pos0 + (period > 0 ? r % period : r)
  // (period = the sequence length when rows hold a batch of sequences end to end).
  void apply(Tensor& x, int64_t pos0, int64_t period) const;

 private:
  int64_t rotary_dim_ = 0;
  bool interleaved_ = false;
  Tensor inv_freq_;  // [rotary_dim / 2] on the model's device
};

}  // namespace spindle
