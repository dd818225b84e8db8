#include "models/layers/stream_conv.h"

#include "kernels/backend.h"
#include "kernels/ops.h"

namespace spindle {

Tensor causal_conv1d_stream(const Tensor& x, const Tensor& weight, const Tensor* bias,
                            Tensor* state) {
  const int64_t T = x.dim(0), C = x.dim(1), K = weight.dim(1);
  if (!state || K <= 1)
    return ops::causal_conv1d(x.reshape({1, T, C}), weight, bias).reshape({T, C});
  SPINDLE_ASSERT(state->dim(0) == K - 1 && state->dim(1) == C && state->device() == x.device());
  // [state; x] then drop the first K-1 outputs: row K-1+t sees exactly the K inputs it would in one
  // pass. Both parts are whole rows, so the joins are contiguous copies on the tensors' device.
  const Device dev = x.device();
  Tensor joined = Tensor::empty({K - 1 + T, C}, DType::f32, dev);
  copy_bytes(joined.raw(), dev, state->raw(), dev, state->nbytes());
  copy_bytes(joined.slice(K - 1, K - 1 + T).raw(), dev, x.raw(), dev, x.nbytes());
  Tensor y =
      ops::causal_conv1d(joined.reshape({1, K - 1 + T, C}), weight, bias).reshape({K - 1 + T, C});
  copy_bytes(state->raw(), dev, joined.slice(T, T + K - 1).raw(), dev, state->nbytes());
  return y.slice(K - 1, K - 1 + T).clone();
}

}  // namespace spindle
