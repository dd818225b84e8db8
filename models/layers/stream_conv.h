// Causal depthwise convolution over one chunk of a longer sequence. The conv state holds the last
// K-1 inputs of the previous chunk, so running chunk after chunk equals one pass over the whole
// sequence (MODELS.md 2.3: "keep a conv state of the last K-1 inputs").
#pragma once

#include "kernels/tensor.h"

namespace spindle {

// x [T, C], weight [C, K], bias [C] or null. state: [K-1, C] (zeros before the first chunk) or null
// for a whole sequence starting from zero padding; updated to the last K-1 inputs seen.
// Returns y [T, C].
Tensor causal_conv1d_stream(const Tensor& x, const Tensor& weight, const Tensor* bias, Tensor* state);

}  // namespace spindle
