#include "models/layers/stream_conv.h"

#include <algorithm>
#include <cstring>

#include "kernels/ops.h"

namespace spindle {

Tensor causal_conv1d_stream(const Tensor& x, const Tensor& weight, const Tensor* bias, Tensor* state) {
  const int64_t T = x.dim(0), C = x.dim(1), K = weight.dim(1);
  if (!state || K <= 1) return ops::causal_conv1d(x.reshape({1, T, C}), weight, bias).reshape({T, C});
  SPINDLE_ASSERT(state->dim(0) == K - 1 && state->dim(1) == C);
  // [state; x] then drop the first K-1 outputs: row K-1+t sees exactly the K inputs it would in one pass.
  Tensor joined = Tensor::empty({K - 1 + T, C});
  std::memcpy(joined.raw(), state->raw(), state->nbytes());
  std::memcpy(joined.slice(K - 1, K - 1 + T).raw(), x.raw(), x.nbytes());
  Tensor y = ops::causal_conv1d(joined.reshape({1, K - 1 + T, C}), weight, bias).reshape({K - 1 + T, C});
  std::memcpy(state->raw(), joined.slice(T, T + K - 1).raw(), state->nbytes());
  return y.slice(K - 1, K - 1 + T).clone();
}

}  // namespace spindle
