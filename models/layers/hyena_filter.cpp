#include "models/layers/hyena_filter.h"

#include <cmath>

#include "kernels/ops.h"

namespace spindle {

// Compiled with -ffast-math (CMakeLists.txt): the sin/exp loops below call glibc's vector math
// (<= 4 ulp in float64, far below the float32 result's rounding); clones pick AVX-512 or AVX2.
// clang accepts target_clones only on a function's first declaration (these members are declared
// in the header), so its builds (fuzzing, sanitizers) use the baseline code.
#if defined(__clang__)
#define SPINDLE_SIMD_CLONES
#else
#define SPINDLE_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif

HyenaFilter::HyenaFilter(const Checkpoint& ckpt, const std::string& prefix, const HyenaFilterShape& shape)
    : shape_(shape) {
  const int64_t E = shape.emb_dim, F = shape.filter_order, channels = shape.d_model * (shape.order - 1);
  z_ = ckpt.get(prefix + "pos_emb.z", {1, shape.max_seq_len, E});
  t_ = ckpt.get(prefix + "pos_emb.t", {1, shape.max_seq_len, 1});
  // Layers of nn.Sequential: Linear at even indices, the shared Sin at odd ones, final Linear last.
  const int64_t n_linear = shape.num_inner_mlps + 1;
  std::string freq_key;
  for (int64_t i = 0; i < n_linear; ++i) {
    std::string layer = prefix + "implicit_filter." + std::to_string(2 * i) + ".";
    weights_.push_back(ckpt.get(layer + "weight", {F, i == 0 ? E : F}));
    biases_.push_back(ckpt.get(layer + "bias", {F}));
    std::string sin_key = prefix + "implicit_filter." + std::to_string(2 * i + 1) + ".freq";
    if (freq_key.empty() && ckpt.has(sin_key)) freq_key = sin_key;
  }
  if (freq_key.empty())
    throw Error(ckpt.path() + ": missing tensor '" + prefix + "implicit_filter.1.freq' (the shared Sin frequency)");
  freq_ = ckpt.get(freq_key, {1, F});
  // The same Sin module is stored under every index that uses it; mark the duplicates as read.
  for (int64_t i = 0; i < n_linear; ++i) {
    std::string sin_key = prefix + "implicit_filter." + std::to_string(2 * i + 1) + ".freq";
    if (ckpt.has(sin_key)) ckpt.get(sin_key, {1, F});
  }
  out_weight_ = ckpt.get(prefix + "implicit_filter." + std::to_string(2 * n_linear) + ".weight", {channels, F});
  deltas_ = ckpt.get(prefix + "modulation.deltas", {1, 1, channels});
  bias_ = ckpt.get(prefix + "bias", {channels});
}

int64_t HyenaFilter::parameter_count() const {
  int64_t n = z_.numel() + freq_.numel() + out_weight_.numel() + bias_.numel();
  for (auto& w : weights_) n += w.numel();
  for (auto& b : biases_) n += b.numel();
  return n;
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

SPINDLE_SIMD_CLONES Tensor HyenaFilter::hidden_features(int64_t length) const {
  SPINDLE_ASSERT(length <= shape_.max_seq_len);
  const int64_t E = shape_.emb_dim, F = shape_.filter_order;
  const int64_t n_linear = static_cast<int64_t>(weights_.size());
  const float* z = z_.data<float>();
  const float* freq = freq_.data<float>();

  // Transposed float64 copies so the inner loop runs over outputs (contiguous, vectorisable).
  std::vector<std::vector<double>> wt(n_linear);
  for (int64_t l = 0; l < n_linear; ++l) {
    const int64_t in = weights_[l].dim(1);
    wt[l].resize(in * F);
    for (int64_t o = 0; o < F; ++o)
      for (int64_t i = 0; i < in; ++i) wt[l][i * F + o] = weights_[l].data<float>()[o * in + i];
  }

  Tensor hidden = Tensor::empty({length, F});
  float* out = hidden.data<float>();
#pragma omp parallel
  {
    std::vector<double> act(F), next(F), zrow(E);
#pragma omp for schedule(static, 256)
    for (int64_t n = 0; n < length; ++n) {
      for (int64_t i = 0; i < E; ++i) zrow[i] = z[n * E + i];
      const double* input = zrow.data();
      for (int64_t l = 0; l < n_linear; ++l) {
        const int64_t in = l == 0 ? E : F;
        for (int64_t o = 0; o < F; ++o) next[o] = biases_[l].data<float>()[o];
        for (int64_t i = 0; i < in; ++i) {
          const double x = input[i];
          const double* w = wt[l].data() + i * F;
          for (int64_t o = 0; o < F; ++o) next[o] += w[o] * x;
        }
#pragma omp simd
        for (int64_t o = 0; o < F; ++o) act[o] = std::sin(static_cast<double>(freq[o]) * next[o]);
        input = act.data();
      }
      for (int64_t o = 0; o < F; ++o) out[n * F + o] = static_cast<float>(act[o]);
    }
  }
  return hidden;
}

SPINDLE_SIMD_CLONES Tensor HyenaFilter::project(const Tensor& hidden, int64_t begin, int64_t end) const {
  const int64_t length = hidden.dim(0), F = shape_.filter_order, rows = end - begin;
  const float* t = t_.data<float>();
  const float* deltas = deltas_.data<float>() + begin;
  Tensor k = Tensor::empty({rows, length});
  float* kp = k.data<float>();
  constexpr int64_t kChunk = 2048;
#pragma omp parallel for schedule(static)
  for (int64_t c0 = 0; c0 < length; c0 += kChunk) {
    const int64_t n = std::min(kChunk, length - c0);
    // k[rows, chunk] = W_out[rows, F] . hidden[chunk, F]^T, written straight into the channel-major
    // bank. The last projection has no sine after it, so float32 GEMM keeps full accuracy.
    ops::gemm_f32(false, true, rows, n, F, 1.f, out_weight_.data<float>() + begin * F, F,
                  hidden.data<float>() + c0 * F, F, 0.f, kp + c0, length);
    for (int64_t ch = 0; ch < rows; ++ch) {
      const double rate = std::abs(static_cast<double>(deltas[ch]));
      float* row = kp + ch * length + c0;
#pragma omp simd
      for (int64_t r = 0; r < n; ++r)
        row[r] = static_cast<float>(row[r] * (std::exp(-static_cast<double>(t[c0 + r]) * rate) + shape_.modulation_shift));
    }
  }
  return k;
}

}  // namespace spindle
