// The Hyena operator and filter ops of kernels/ops.h: shape checks (kernels/op_checks.h), then the
// kernel of the tensors' device through the one dispatch (kernels/kernels.h).
#include "kernels/kernels.h"
#include "kernels/op_checks.h"
#include "kernels/ops.h"

namespace spindle::ops {
using detail::require;
using detail::require_rank;

Tensor hyena_prenorm_stats(const Tensor& x, float eps) {
  const Device dev = x.device();
  require_rank(x, dev, "hyena_prenorm_stats", "x", 2);
  Tensor stats = Tensor::empty({x.dim(0), 2}, DType::f32, dev);
  if (x.dim(0) > 0)
    SPINDLE_KERNEL(hyena_prenorm_stats, DType::f32, dev)(x.data<float>(), x.dim(0), x.dim(1), eps, stats.data<float>());
  return stats;
}

void hyena_prenorm_apply(const Tensor& x, const Tensor& stats, const Tensor& weight, const Tensor& bias, Tensor& out) {
  const char* op = "hyena_prenorm_apply";
  const Device dev = x.device();
  require_rank(x, dev, op, "x", 2);
  const int64_t rows = x.dim(0), cols = x.dim(1);
  require(stats, dev, op, "stats", {rows, 2});
  require(weight, dev, op, "weight", {cols});
  require(bias, dev, op, "bias", {cols});
  require(out, dev, op, "out", x.shape());
  if (rows > 0)
    SPINDLE_KERNEL(hyena_prenorm_apply, DType::f32, dev)(x.data<float>(), stats.data<float>(), weight.data<float>(),
                                                         bias.data<float>(), rows, cols, out.data<float>());
}

void hyena_short_conv_transpose(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& out) {
  const char* op = "hyena_short_conv_transpose";
  const Device dev = x.device();
  require_rank(x, dev, op, "x", 2);
  const int64_t length = x.dim(0), channels = x.dim(1);
  require_rank(weight, dev, op, "weight", 2);
  if (weight.dim(0) != channels)
    throw Error(std::string(op) + ": weight " + weight.describe() + " does not fit x " + x.describe());
  require(bias, dev, op, "bias", {channels});
  require(out, dev, op, "out", {channels, length});
  if (length > 0)
    SPINDLE_KERNEL(hyena_short_conv_transpose, DType::f32, dev)(x.data<float>(), weight.data<float>(),
                                                                bias.data<float>(), length, channels, weight.dim(1),
                                                                out.data<float>());
}

void hyena_conv_skip_(Tensor& v, const Tensor& conv, const Tensor& skip) {
  const char* op = "hyena_conv_skip";
  const Device dev = v.device();
  require_rank(v, dev, op, "v", 2);
  require(conv, dev, op, "conv", v.shape());
  require(skip, dev, op, "skip", {v.dim(0)});
  if (v.numel() > 0)
    SPINDLE_KERNEL(hyena_conv_skip, DType::f32, dev)(v.data<float>(), conv.data<float>(), skip.data<float>(),
                                                     v.dim(0), v.dim(1));
}

void hyena_gate_transpose(const Tensor& v, const Tensor& gate, Tensor& y, int64_t col0) {
  const char* op = "hyena_gate_transpose";
  const Device dev = v.device();
  require_rank(v, dev, op, "v", 2);
  require(gate, dev, op, "gate", v.shape());
  require_rank(y, dev, op, "y", 2);
  const int64_t channels = v.dim(0), length = v.dim(1);
  if (y.dim(0) != length || col0 < 0 || col0 + channels > y.dim(1))
    throw Error(std::string(op) + ": columns [" + std::to_string(col0) + ", " + std::to_string(col0 + channels) +
                ") of y " + y.describe() + " do not fit v " + v.describe());
  if (v.numel() > 0)
    SPINDLE_KERNEL(hyena_gate_transpose, DType::f32, dev)(v.data<float>(), gate.data<float>(), channels, length,
                                                          y.data<float>() + col0, y.dim(1));
}

Tensor hyena_filter_mlp(const Tensor& z, const Tensor& weights, const Tensor& biases, const Tensor& freq) {
  const char* op = "hyena_filter_mlp";
  const Device dev = z.device();
  require_rank(z, dev, op, "z", 2);
  require_rank(biases, dev, op, "biases", 2);
  const int64_t length = z.dim(0), E = z.dim(1), layers = biases.dim(0), F = biases.dim(1);
  if (layers < 1) throw Error(std::string(op) + ": at least one layer is needed, got biases " + biases.describe());
  require(weights, dev, op, "weights", {F * E + (layers - 1) * F * F});
  require(freq, dev, op, "freq", {F});
  Tensor hidden = Tensor::empty({length, F}, DType::f32, dev);
  if (length > 0)
    SPINDLE_KERNEL(hyena_filter_mlp, DType::f32, dev)(z.data<float>(), length, E, F, layers, weights.data<float>(),
                                                      biases.data<float>(), freq.data<float>(), hidden.data<float>());
  return hidden;
}

Tensor hyena_filter_project(const Tensor& hidden, const Tensor& weight, const Tensor& decay_rate, const Tensor& t_pos,
                            double shift) {
  const char* op = "hyena_filter_project";
  const Device dev = hidden.device();
  require_rank(hidden, dev, op, "hidden", 2);
  const int64_t length = hidden.dim(0), F = hidden.dim(1);
  require_rank(weight, dev, op, "weight", 2);
  if (weight.dim(1) != F)
    throw Error(std::string(op) + ": weight " + weight.describe() + " does not fit hidden " + hidden.describe());
  const int64_t rows = weight.dim(0);
  require(decay_rate, dev, op, "decay_rate", {rows});
  require(t_pos, dev, op, "t_pos", {length});
  Tensor k = Tensor::empty({rows, length}, DType::f32, dev);
  if (rows > 0 && length > 0)
    SPINDLE_KERNEL(hyena_filter_project, DType::f32, dev)(hidden.data<float>(), length, F, weight.data<float>(),
                                                          decay_rate.data<float>(), rows, t_pos.data<float>(), shift,
                                                          k.data<float>());
  return k;
}

}  // namespace spindle::ops
