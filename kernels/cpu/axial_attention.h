// CPU kernels for the MSA Transformer's tied row attention (declared in kernels/ops.h, dispatched
// from kernels/axial_attention_ops.cpp, which checks shapes first). Layout: q, k, v, out are
// [rows, cols, heads, head_dim]; logits/probs are [heads, cols, cols].
#pragma once

#include <cstdint>

namespace spindle::cpu {

struct AxialRowShape {
  int64_t rows = 0, cols = 0, heads = 0, head_dim = 0;
};

void axial_row_logits(const AxialRowShape& s, const float* q, const float* k, float scale, float* logits,
                      bool accumulate);
void axial_row_softmax(int64_t heads, int64_t cols, const uint8_t* key_mask, float mask_value, float* logits);
void axial_row_apply(const AxialRowShape& s, const float* probs, const float* v, float* out);

}  // namespace spindle::cpu
