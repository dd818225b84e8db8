#include "models/layers/rotary.h"

#include <cmath>

#include "kernels/ops.h"

namespace spindle {

Rotary::Rotary(int64_t rotary_dim, float base, bool interleaved, Device device, std::vector<float> inv_freq)
    : rotary_dim_(rotary_dim), interleaved_(interleaved) {
  if (rotary_dim_ <= 0) return;
  if (inv_freq.empty())
    for (int64_t i = 0; i < rotary_dim_ / 2; ++i)
      inv_freq.push_back(1.f / std::pow(base, static_cast<float>(2 * i) / static_cast<float>(rotary_dim_)));
  inv_freq_ = Tensor::from_values(inv_freq, device);
}

void Rotary::apply(Tensor& x, int64_t pos0, int64_t period) const {
  if (rotary_dim_ > 0) ops::rotary_(x, inv_freq_, rotary_dim_, pos0, period, interleaved_);
}

}  // namespace spindle
