#include "models/layers/hyena_filter.h"

#include <algorithm>

#include "kernels/ops.h"

namespace spindle {

HyenaFilter::HyenaFilter(const Checkpoint& ckpt, const std::string& prefix, const HyenaFilterShape& shape)
    : shape_(shape) {
  const int64_t E = shape.emb_dim, F = shape.filter_order, channels = shape.d_model * (shape.order - 1);
  z_ = ckpt.get(prefix + "pos_emb.z", {1, shape.max_seq_len, E}).reshape({shape.max_seq_len, E});
  t_ = ckpt.get(prefix + "pos_emb.t", {1, shape.max_seq_len, 1}).reshape({shape.max_seq_len});
  // Layers of nn.Sequential: Linear at even indices, the shared Sin at odd ones, final Linear last.
  // The Linear layers are packed into one weight and one bias tensor (ops::hyena_filter_mlp).
  const int64_t n_linear = shape.num_inner_mlps + 1;
  Tensor weights = Tensor::empty({F * E + (n_linear - 1) * F * F});
  Tensor biases = Tensor::empty({n_linear, F});
  std::string freq_key;
  for (int64_t i = 0, offset = 0; i < n_linear; ++i) {
    std::string layer = prefix + "implicit_filter." + std::to_string(2 * i) + ".";
    Tensor w = ckpt.get_host(layer + "weight", {F, i == 0 ? E : F});
    Tensor b = ckpt.get_host(layer + "bias", {F});
    std::copy_n(w.data<float>(), w.numel(), weights.data<float>() + offset);
    std::copy_n(b.data<float>(), F, biases.data<float>() + i * F);
    offset += w.numel();
    std::string sin_key = prefix + "implicit_filter." + std::to_string(2 * i + 1) + ".freq";
    if (freq_key.empty() && ckpt.has(sin_key)) freq_key = sin_key;
  }
  mlp_weights_ = weights.to(ckpt.device());
  mlp_biases_ = biases.to(ckpt.device());
  if (freq_key.empty())
    throw Error(ckpt.path() + ": missing tensor '" + prefix + "implicit_filter.1.freq' (the shared Sin frequency)");
  freq_ = ckpt.get(freq_key, {1, F}).reshape({F});
  // The same Sin module is stored under every index that uses it; mark the duplicates as read.
  for (int64_t i = 0; i < n_linear; ++i) {
    std::string sin_key = prefix + "implicit_filter." + std::to_string(2 * i + 1) + ".freq";
    if (ckpt.has(sin_key)) ckpt.get_host(sin_key, {1, F});
  }
  out_weight_ = ckpt.get(prefix + "implicit_filter." + std::to_string(2 * n_linear) + ".weight", {channels, F});
  deltas_ = ckpt.get(prefix + "modulation.deltas", {1, 1, channels}).reshape({channels});
  bias_ = ckpt.get(prefix + "bias", {channels});
}

int64_t HyenaFilter::parameter_count() const {
  return z_.numel() + freq_.numel() + out_weight_.numel() + bias_.numel() + mlp_weights_.numel() +
         mlp_biases_.numel();
}

HyenaFilter::Bank HyenaFilter::bank(int64_t length) const {
  Bank bank;
  bank.owner_ = this;
  const int64_t channels = out_weight_.dim(0);
  const size_t bytes = static_cast<size_t>(length) * channels * sizeof(float);
  if (bytes > kCacheBytes) {
    bank.hidden_ = hidden_features(length);
    return bank;
  }
  std::lock_guard<std::mutex> lock(cache_mutex_);
  auto it = cache_.find(length);
  if (it == cache_.end()) it = cache_.emplace(length, project(hidden_features(length), 0, channels)).first;
  bank.whole_ = it->second;
  return bank;
}

Tensor HyenaFilter::Bank::rows(int64_t begin, int64_t end) const {
  if (whole_.defined()) return whole_.slice(begin, end);
  return owner_->project(hidden_, begin, end);
}

Tensor HyenaFilter::hidden_features(int64_t length) const {
  SPINDLE_ASSERT(length <= shape_.max_seq_len);
  return ops::hyena_filter_mlp(z_.slice(0, length), mlp_weights_, mlp_biases_, freq_);
}

Tensor HyenaFilter::project(const Tensor& hidden, int64_t begin, int64_t end) const {
  return ops::hyena_filter_project(hidden, out_weight_.slice(begin, end), deltas_.slice(begin, end),
                                   t_.slice(0, hidden.dim(0)), shape_.modulation_shift);
}

}  // namespace spindle
