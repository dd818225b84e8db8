#include "models/layers/gated_mlp.h"

#include "kernels/ops.h"

namespace spindle {

GatedMlp::GatedMlp(const Checkpoint& ckpt, const std::string& prefix, int64_t d_model) {
  const TensorEntry& fc1 = ckpt.entry(prefix + "fc1.weight");
  if (fc1.shape.size() != 2 || fc1.shape[0] % 2 != 0 || fc1.shape[1] != d_model)
    throw Error(ckpt.path() + ": tensor '" + prefix + "fc1.weight' has shape " + shape_str(fc1.shape) +
                ", expected [2 * d_ff, " + std::to_string(d_model) + "]");
  hidden_ = fc1.shape[0] / 2;
  Tensor w1 = ckpt.get(prefix + "fc1.weight", {2 * hidden_, d_model});
  value_w_ = w1.slice(0, hidden_);
  gate_w_ = w1.slice(hidden_, 2 * hidden_);
  if (ckpt.has(prefix + "fc1.bias")) {
    Tensor b1 = ckpt.get(prefix + "fc1.bias", {2 * hidden_});
    value_b_ = b1.slice(0, hidden_);
    gate_b_ = b1.slice(hidden_, 2 * hidden_);
  }
  fc2_w_ = ckpt.get(prefix + "fc2.weight", {d_model, hidden_});
  if (ckpt.has(prefix + "fc2.bias")) fc2_b_ = ckpt.get(prefix + "fc2.bias", {d_model});
}

Tensor GatedMlp::forward(const Tensor& x) const {
  Tensor value = ops::linear(x, value_w_, value_b_.defined() ? &value_b_ : nullptr);
  Tensor gate = ops::linear(x, gate_w_, gate_b_.defined() ? &gate_b_ : nullptr);
  ops::silu_(gate);
  ops::mul_(value, gate);
  return ops::linear(value, fc2_w_, fc2_b_.defined() ? &fc2_b_ : nullptr);
}

int64_t GatedMlp::parameter_count() const {
  auto n = [](const Tensor& t) { return t.defined() ? t.numel() : 0; };
  return n(value_w_) + n(gate_w_) + n(value_b_) + n(gate_b_) + n(fc2_w_) + n(fc2_b_);
}

}  // namespace spindle
