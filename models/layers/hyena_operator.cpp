#include "models/layers/hyena_operator.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/ops.h"

namespace spindle {

namespace {

constexpr int64_t kRowChunk = 4096;  // positions per pre-norm + projection step

// The block's pre-norm statistics, computed once per layer (double accumulation, like
// ops::layer_norm). Every channel group then normalises its row chunk with a cheap affine pass
// instead of redoing the reductions D / group times.
struct RowStats {
  std::vector<float> mean, inv_std;
};

RowStats row_stats(const Tensor& x, float eps) {
  const int64_t rows = x.dim(0), cols = x.dim(1);
  RowStats stats{std::vector<float>(rows), std::vector<float>(rows)};
  const float* p = x.data<float>();
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = p + r * cols;
    double sum = 0;
    for (int64_t c = 0; c < cols; ++c) sum += row[c];
    const double mean = sum / cols;
    double var = 0;
    for (int64_t c = 0; c < cols; ++c) var += (row[c] - mean) * (row[c] - mean);
    stats.mean[r] = static_cast<float>(mean);
    stats.inv_std[r] = static_cast<float>(1.0 / std::sqrt(var / cols + eps));
  }
  return stats;
}

void normalize_rows(const Tensor& x, const RowStats& stats, const LayerNormWeights& norm, int64_t begin,
                    int64_t end, Tensor& out) {
  const int64_t cols = x.dim(1);
  const float* w = norm.weight.data<float>();
  const float* b = norm.bias.data<float>();
#pragma omp parallel for schedule(static)
  for (int64_t r = begin; r < end; ++r) {
    const float* row = x.data<float>() + r * cols;
    float* o = out.data<float>() + (r - begin) * cols;
    const float mean = stats.mean[r], inv = stats.inv_std[r];
#pragma omp simd
    for (int64_t c = 0; c < cols; ++c) o[c] = (row[c] - mean) * inv * w[c] + b[c];
  }
}

}  // namespace

HyenaOperator::HyenaOperator(const Checkpoint& ckpt, const std::string& prefix, const HyenaFilterShape& shape,
                             int64_t short_filter_order)
    : d_model_(shape.d_model),
      order_(shape.order),
      short_order_(short_filter_order),
      filter_(ckpt, prefix + "filter_fn.", shape) {
  const int64_t D = d_model_, sections = order_ + 1;
  Tensor in_w = ckpt.get(prefix + "in_proj.weight", {sections * D, D});
  Tensor in_b = ckpt.get(prefix + "in_proj.bias", {sections * D});
  Tensor sf_w = ckpt.get(prefix + "short_filter.weight", {sections * D, 1, short_order_});
  Tensor sf_b = ckpt.get(prefix + "short_filter.bias", {sections * D});
  out_weight_ = ckpt.get(prefix + "out_proj.weight", {D, D});
  out_bias_ = ckpt.get(prefix + "out_proj.bias", {D});

  // Small groups bound the per-group buffers ([L, (N+1)G] twice); 8 keeps GEMMs efficient.
  group_size_ = D % 8 == 0 ? 8 : 1;
  // Row r of section s for channel c moves to group-major position: group g holds, for each
  // section s, its group_size channels. One GEMM per group then yields every section it needs.
  in_weight_grouped_ = Tensor::empty({sections * D, D});
  in_bias_grouped_ = Tensor::empty({sections * D});
  short_weight_grouped_ = Tensor::empty({sections * D, short_order_});
  short_bias_grouped_ = Tensor::empty({sections * D});
  const int64_t G = group_size_;
  for (int64_t g = 0; g < D / G; ++g)
    for (int64_t s = 0; s < sections; ++s)
      for (int64_t j = 0; j < G; ++j) {
        const int64_t src = s * D + g * G + j, dst = g * sections * G + s * G + j;
        std::memcpy(in_weight_grouped_.data<float>() + dst * D, in_w.data<float>() + src * D, D * sizeof(float));
        in_bias_grouped_.data<float>()[dst] = in_b.data<float>()[src];
        std::memcpy(short_weight_grouped_.data<float>() + dst * short_order_, sf_w.data<float>() + src * short_order_,
                    short_order_ * sizeof(float));
        short_bias_grouped_.data<float>()[dst] = sf_b.data<float>()[src];
      }
}

int64_t HyenaOperator::parameter_count() const {
  return in_weight_grouped_.numel() + in_bias_grouped_.numel() + short_weight_grouped_.numel() +
         short_bias_grouped_.numel() + out_weight_.numel() + out_bias_.numel() + filter_.parameter_count();
}

void HyenaOperator::forward_add(Tensor& residual, const LayerNormWeights& norm) const {
  const int64_t L = residual.dim(0), D = d_model_, G = group_size_, sections = order_ + 1;
  const int64_t width = sections * G;  // projected columns per group
  const int64_t K = short_order_;
  HyenaFilter::Bank filters = filter_.bank(L);
  const float* skip = filter_.skip_bias().data<float>();
  Tensor y = Tensor::empty({L, D});
  Tensor projected = Tensor::empty({L, width});  // one group's in_proj output, position-major
  Tensor signal = Tensor::empty({width, L});     // after the short conv, channel-major
  Tensor normed = Tensor::empty({std::min(L, kRowChunk), D});
  const RowStats stats = row_stats(residual, norm.eps);

  for (int64_t g = 0; g < D / G; ++g) {
    Tensor w_g = in_weight_grouped_.slice(g * width, (g + 1) * width);
    Tensor b_g = in_bias_grouped_.slice(g * width, (g + 1) * width);
    for (int64_t begin = 0; begin < L; begin += kRowChunk) {
      const int64_t end = std::min(L, begin + kRowChunk);
      Tensor chunk = normed.slice(0, end - begin);
      normalize_rows(residual, stats, norm, begin, end, chunk);
      Tensor out = projected.slice(begin, end);
      ops::linear_into(chunk, w_g, &b_g, out);
    }
    // Short causal depthwise conv, transposing to channel-major for the long convolution.
    const float* p = projected.data<float>();
    const float* sw = short_weight_grouped_.data<float>() + g * width * K;
    const float* sb = short_bias_grouped_.data<float>() + g * width;
    float* s = signal.data<float>();
    constexpr int64_t kTile = 64;  // positions per tile: the transpose stays in cache
#pragma omp parallel for schedule(static)
    for (int64_t t0 = 0; t0 < L; t0 += kTile) {
      const int64_t t1 = std::min(L, t0 + kTile);
      for (int64_t ch = 0; ch < width; ++ch)
        for (int64_t t = t0; t < t1; ++t) {
          float acc = sb[ch];
          for (int64_t j = 0; j < K; ++j) {
            const int64_t src = t - K + 1 + j;
            if (src >= 0) acc += sw[ch * K + j] * p[src * width + ch];
          }
          s[ch * L + t] = acc;
        }
    }
    // Recurrence: v <- conv(v * x_i, k_o) + d_o * (v * x_i), for i = N-1 .. 1, o = 0 .. N-2.
    Tensor v = signal.slice((sections - 1) * G, sections * G);  // [G, L]
    float* vp = v.data<float>();
    for (int64_t o = 0; o < order_ - 1; ++o) {
      const int64_t xi = order_ - 1 - o;
      const float* x = s + xi * G * L;
#pragma omp parallel for simd
      for (int64_t i = 0; i < G * L; ++i) vp[i] *= x[i];
      Tensor k_g = filters.rows(o * D + g * G, o * D + (g + 1) * G);
      Tensor conv = ops::fft_conv(v, k_g);
      const float* cp = conv.data<float>();
#pragma omp parallel for
      for (int64_t j = 0; j < G; ++j) {
        const float d = skip[o * D + g * G + j];
        for (int64_t t = 0; t < L; ++t) vp[j * L + t] = cp[j * L + t] + d * vp[j * L + t];
      }
    }
    // y = v * x0, back to position-major.
    const float* x0 = s;
    float* yp = y.data<float>();
#pragma omp parallel for schedule(static)
    for (int64_t t = 0; t < L; ++t)
      for (int64_t j = 0; j < G; ++j) yp[t * D + g * G + j] = vp[j * L + t] * x0[j * L + t];
  }
  // Every group has read the residual; now it can take the output projection in place.
  for (int64_t begin = 0; begin < L; begin += kRowChunk) {
    const int64_t end = std::min(L, begin + kRowChunk);
    Tensor out = residual.slice(begin, end);
    ops::linear_into(y.slice(begin, end), out_weight_, &out_bias_, out, 1.f);
  }
}

}  // namespace spindle
