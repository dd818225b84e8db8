#include "models/layers/esm_layers.h"

#include <cmath>

#include "kernels/ops.h"

namespace spindle {

namespace {
constexpr int64_t kRowChunk = 4096;
}

Linear Linear::load(const Checkpoint& ckpt, const std::string& prefix, int64_t out, int64_t in) {
  return {ckpt.get(prefix + "weight", {out, in}), ckpt.get(prefix + "bias", {out})};
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

Rotary::Rotary(int64_t head_dim, std::vector<float> inv_freq) : head_dim_(head_dim), inv_freq_(std::move(inv_freq)) {
  if (inv_freq_.empty())
    for (int64_t i = 0; i < head_dim / 2; ++i)
      inv_freq_.push_back(1.f / std::pow(10000.f, static_cast<float>(2 * i) / static_cast<float>(head_dim)));
}

void Rotary::apply(Tensor& x) const {
  const int64_t T = x.dim(0), H = x.dim(1), d = head_dim_, half = d / 2;
  float* data = x.data<float>();
#pragma omp parallel for if (T * H * d > (1 << 15))
  for (int64_t t = 0; t < T; ++t) {
    std::vector<float> cos_t(half), sin_t(half);
    for (int64_t i = 0; i < half; ++i) {
      const float angle = static_cast<float>(t) * inv_freq_[i];  // f32 product, as the reference
      cos_t[i] = static_cast<float>(std::cos(static_cast<double>(angle)));
      sin_t[i] = static_cast<float>(std::sin(static_cast<double>(angle)));
    }
    for (int64_t h = 0; h < H; ++h) {
      float* u = data + (t * H + h) * d;
      for (int64_t i = 0; i < half; ++i) {
        const float a = u[i], b = u[i + half];
        u[i] = a * cos_t[i] - b * sin_t[i];         // rot(u) = [-u2, u1]
        u[i + half] = b * cos_t[i] + a * sin_t[i];
      }
    }
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
