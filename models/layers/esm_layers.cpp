#include "models/layers/esm_layers.h"

#include <algorithm>

#include "kernels/ops.h"

namespace spindle {

namespace {
constexpr int64_t kRowChunk = 4096;
}

Linear Linear::load(const Checkpoint& ckpt, const std::string& prefix, int64_t out, int64_t in) {
  return {ckpt.get_matrix(prefix + "weight", {out, in}), ckpt.get(prefix + "bias", {out})};
}

Tensor Linear::apply(const Tensor& x) const { return ops::linear(x, weight, &bias); }

void Linear::apply_into(const Tensor& x, Tensor& out, float beta) const { ops::linear_into(x, weight, &bias, out, beta); }

BlockNorm load_layer_norm(const Checkpoint& ckpt, const std::string& prefix, int64_t dim, float eps) {
  return BlockNorm::load(ckpt, prefix, dim, eps, /*rms=*/false);
}

void GeluFeedForward::forward_add(Tensor& x) const {
  const int64_t n = x.dim(0);
  for (int64_t begin = 0; begin < n; begin += kRowChunk) {
    Tensor rows = x.slice(begin, std::min(n, begin + kRowChunk));
    Tensor inner = fc1.apply(norm.apply(rows));
    ops::gelu_erf_(inner);
    fc2.apply_into(inner, rows, 1.f);
  }
}

void RobertaLmHead::apply_into(const Tensor& x, Tensor& out) const {
  const int64_t n = x.dim(0);
  for (int64_t begin = 0; begin < n; begin += kRowChunk) {
    const int64_t end = std::min(n, begin + kRowChunk);
    Tensor h = dense.apply(x.slice(begin, end));
    ops::gelu_erf_(h);
    Tensor dst = out.slice(begin, end);
    ops::linear_into(norm.apply(h), decoder, &bias, dst);
  }
}

int64_t RobertaLmHead::parameter_count(const Tensor& tied_embedding) const {
  return dense.parameter_count() + norm.parameter_count() + bias.numel() +
         (decoder.raw() == tied_embedding.raw() ? 0 : decoder.numel());
}

}  // namespace spindle
