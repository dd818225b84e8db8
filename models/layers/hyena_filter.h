// HyenaDNA's implicit long filter (MODELS.md 1.4): a small sine-activated MLP over positional
// features z, times an exponential decay window. Computed in float64 up to the last projection
// because sin(w x) with w ~ 10 amplifies float32 rounding (golden README: ~8e-6 at l_max 4k).
#pragma once

#include <map>
#include <mutex>

#include "kernels/tensor.h"
#include "models/checkpoint.h"

namespace spindle {

struct HyenaFilterShape {
  int64_t d_model = 0;
  int64_t order = 2;           // hyena_order N: N-1 long convolutions
  int64_t emb_dim = 5;         // E, columns of z
  int64_t filter_order = 64;   // F, MLP width
  int64_t num_inner_mlps = 2;  // hidden Linear+Sin pairs after the first
  int64_t max_seq_len = 0;     // l_max, rows of z
  double modulation_shift = 0.05;
};

class HyenaFilter {
 public:
  // `prefix` ends with "filter_fn.". Reads z, t, the MLP, the shared freq (any of implicit_filter.{1,3,5,..}.freq),
  // modulation.deltas and the skip bias.
  HyenaFilter(const Checkpoint& ckpt, const std::string& prefix, const HyenaFilterShape& shape);

  // The filters for one input length. Row o*D + c is filter o of channel c.
  // Small banks (<= kCacheBytes) are computed whole and cached per L. Large ones keep only the
  // MLP's last hidden layer [L, F] (F = 64 << D) and project the channels a caller asks for, so a
  // 1M-token input never holds all D filters at once.
  class Bank {
   public:
    // Filters of rows [begin, end): channel-major [end - begin, L] float32.
    Tensor rows(int64_t begin, int64_t end) const;

   private:
    friend class HyenaFilter;
    const HyenaFilter* owner_ = nullptr;
    Tensor whole_;   // [(N-1)D, L] when cached
    Tensor hidden_;  // [L, F] otherwise
  };
  Bank bank(int64_t length) const;
  // The "D" skip term, [(N-1)*D], on the model's device.
  const Tensor& skip_bias() const { return bias_; }
  int64_t parameter_count() const;

  static constexpr size_t kCacheBytes = 64ull << 20;

 private:
  // The sine MLP's output before the last projection, [L, F] (ops::hyena_filter_mlp).
  Tensor hidden_features(int64_t length) const;
  // Projects hidden features onto filter rows [begin, end) and applies the decay window.
  Tensor project(const Tensor& hidden, int64_t begin, int64_t end) const;

  HyenaFilterShape shape_;
  // The weights, on the checkpoint's device (uploaded once).
  Tensor z_, t_;                // [Lmax, E], [Lmax]
  Tensor mlp_weights_;          // the sine MLP's Linear weights packed as ops::hyena_filter_mlp takes them
  Tensor mlp_biases_;           // [layers, F]
  Tensor freq_;                 // [F] shared by every Sin
  Tensor out_weight_;           // [(N-1)D, F]
  Tensor deltas_;               // [(N-1)D] decay rates
  Tensor bias_;                 // [(N-1)D]
  mutable std::map<int64_t, Tensor> cache_;  // banks per L, on the same device
  mutable std::mutex cache_mutex_;
};

}  // namespace spindle
