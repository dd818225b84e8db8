#include "models/layers/hyena_operator.h"

#include <algorithm>

#include "kernels/ops.h"

namespace spindle {

namespace {

constexpr int64_t kRowChunk = 4096;  // positions per pre-norm + projection step

}  // namespace

HyenaOperator::HyenaOperator(const Checkpoint& ckpt, const std::string& prefix, const HyenaFilterShape& shape,
                             int64_t short_filter_order)
    : d_model_(shape.d_model),
      order_(shape.order),
      short_order_(short_filter_order),
      filter_(ckpt, prefix + "filter_fn.", shape) {
  const int64_t D = d_model_, sections = order_ + 1;
  Tensor in_w = ckpt.get_host(prefix + "in_proj.weight", {sections * D, D});
  Tensor in_b = ckpt.get_host(prefix + "in_proj.bias", {sections * D});
  Tensor sf_w = ckpt.get_host(prefix + "short_filter.weight", {sections * D, 1, short_order_});
  Tensor sf_b = ckpt.get_host(prefix + "short_filter.bias", {sections * D});
  out_weight_ = ckpt.get(prefix + "out_proj.weight", {D, D});
  out_bias_ = ckpt.get(prefix + "out_proj.bias", {D});

  // Small groups bound the per-group buffers ([L, (N+1)G] twice); 8 keeps GEMMs efficient.
  group_size_ = D % 8 == 0 ? 8 : 1;
  // Row r of section s for channel c moves to group-major position: group g holds, for each
  // section s, its group_size channels. One GEMM per group then yields every section it needs.
  // Rearranged on the host, then uploaded once.
  Tensor in_weight = Tensor::empty({sections * D, D});
  Tensor in_bias = Tensor::empty({sections * D});
  Tensor short_weight = Tensor::empty({sections * D, short_order_});
  Tensor short_bias = Tensor::empty({sections * D});
  const int64_t G = group_size_, K = short_order_;
  for (int64_t g = 0; g < D / G; ++g)
    for (int64_t s = 0; s < sections; ++s)
      for (int64_t j = 0; j < G; ++j) {
        const int64_t src = s * D + g * G + j, dst = g * sections * G + s * G + j;
        std::copy_n(in_w.data<float>() + src * D, D, in_weight.data<float>() + dst * D);
        in_bias.data<float>()[dst] = in_b.data<float>()[src];
        std::copy_n(sf_w.data<float>() + src * K, K, short_weight.data<float>() + dst * K);
        short_bias.data<float>()[dst] = sf_b.data<float>()[src];
      }
  in_weight_grouped_ = in_weight.to(ckpt.device());
  in_bias_grouped_ = in_bias.to(ckpt.device());
  short_weight_grouped_ = short_weight.to(ckpt.device());
  short_bias_grouped_ = short_bias.to(ckpt.device());
}

int64_t HyenaOperator::parameter_count() const {
  return in_weight_grouped_.numel() + in_bias_grouped_.numel() + short_weight_grouped_.numel() +
         short_bias_grouped_.numel() + out_weight_.numel() + out_bias_.numel() + filter_.parameter_count();
}

void HyenaOperator::forward_add(Tensor& residual, const LayerNormWeights& norm) const {
  const Device dev = residual.device();
  const int64_t L = residual.dim(0), D = d_model_, G = group_size_, sections = order_ + 1;
  const int64_t width = sections * G;  // projected columns per group
  HyenaFilter::Bank filters = filter_.bank(L);
  Tensor y = Tensor::empty({L, D}, DType::f32, dev);
  Tensor projected = Tensor::empty({L, width}, DType::f32, dev);  // one group's in_proj output, position-major
  Tensor signal = Tensor::empty({width, L}, DType::f32, dev);     // after the short conv, channel-major
  Tensor normed = Tensor::empty({std::min(L, kRowChunk), D}, DType::f32, dev);
  // The pre-norm's statistics once per layer: each group then applies them in one cheap pass
  // instead of redoing the reductions D / G times.
  const Tensor stats = ops::hyena_prenorm_stats(residual, norm.eps);

  for (int64_t g = 0; g < D / G; ++g) {
    Tensor w_g = in_weight_grouped_.slice(g * width, (g + 1) * width);
    Tensor b_g = in_bias_grouped_.slice(g * width, (g + 1) * width);
    for (int64_t begin = 0; begin < L; begin += kRowChunk) {
      const int64_t end = std::min(L, begin + kRowChunk);
      Tensor chunk = normed.slice(0, end - begin);
      ops::hyena_prenorm_apply(residual.slice(begin, end), stats.slice(begin, end), norm.weight, norm.bias, chunk);
      Tensor out = projected.slice(begin, end);
      ops::linear_into(chunk, w_g, &b_g, out);
    }
    // Short causal depthwise conv, transposing to channel-major for the long convolution.
    ops::hyena_short_conv_transpose(projected, short_weight_grouped_.slice(g * width, (g + 1) * width),
                                    short_bias_grouped_.slice(g * width, (g + 1) * width), signal);
    // Recurrence: v <- conv(v * x_i, k_o) + d_o * (v * x_i), for i = N-1 .. 1, o = 0 .. N-2.
    Tensor v = signal.slice((sections - 1) * G, sections * G);  // [G, L]
    for (int64_t o = 0; o < order_ - 1; ++o) {
      const int64_t xi = order_ - 1 - o;
      ops::mul_(v, signal.slice(xi * G, (xi + 1) * G));
      const int64_t row0 = o * D + g * G;
      Tensor conv = ops::fft_conv(v, filters.rows(row0, row0 + G));
      ops::hyena_conv_skip_(v, conv, filter_.skip_bias().slice(row0, row0 + G));
    }
    // y = v * x0, back to position-major.
    ops::hyena_gate_transpose(v, signal.slice(0, G), y, g * G);
  }
  // Every group has read the residual; now it can take the output projection in place.
  for (int64_t begin = 0; begin < L; begin += kRowChunk) {
    const int64_t end = std::min(L, begin + kRowChunk);
    Tensor out = residual.slice(begin, end);
    ops::linear_into(y.slice(begin, end), out_weight_, &out_bias_, out, 1.f);
  }
}

}  // namespace spindle
