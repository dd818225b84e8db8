// mamba_ssm GatedMLP (MODELS.md 4): fc1 [2 F, D] split as [value | gate], out = fc2(value * silu(gate)).
// F = d_intermediate rounded up to a multiple of 128 upstream; here it is read from fc1's shape.
#pragma once

#include <string>

#include "models/checkpoint.h"

namespace spindle {

class GatedMlp {
 public:
  GatedMlp() = default;
  // Reads `<prefix>fc1.weight`, `<prefix>fc2.weight` (and their biases when present).
  GatedMlp(const Checkpoint& ckpt, const std::string& prefix, int64_t d_model);
  // x [T, D] -> [T, D].
  Tensor forward(const Tensor& x) const;
  int64_t hidden() const { return hidden_; }
  int64_t parameter_count() const;

 private:
  int64_t hidden_ = 0;
  Tensor value_w_, gate_w_, value_b_, gate_b_, fc2_w_, fc2_b_;
};

}  // namespace spindle
