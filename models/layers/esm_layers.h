// Building blocks shared by ESM-2/ESM-1b/ESM-1v (models/arch/esm2.cpp) and the MSA Transformer
// (models/arch/msa_transformer.cpp): a biased linear map, the pre-norm GELU feed-forward block,
// and the RoBERTa LM head with a tied decoder (ESM-2's rotary embedding: models/layers/rotary.h).
#pragma once

#include <string>
#include <vector>

#include "models/checkpoint.h"
#include "models/layers/block_norm.h"
#include "models/layers/rotary.h"

namespace spindle {

// nn.Linear: weight [out, in] (f32, or bf16 when the checkpoint places matrices so), bias [out].
struct Linear {
  Tensor weight, bias;
  static Linear load(const Checkpoint& ckpt, const std::string& prefix, int64_t out, int64_t in);
  Tensor apply(const Tensor& x) const;
  // out = W x + b (beta 0) or out += W x + b (beta 1).
  void apply_into(const Tensor& x, Tensor& out, float beta) const;
  int64_t parameter_count() const { return weight.numel() + bias.numel(); }
};

// LayerNorm with bias (BlockNorm in LayerNorm mode).
BlockNorm load_layer_norm(const Checkpoint& ckpt, const std::string& prefix, int64_t dim, float eps);

// x += fc2(GELU-erf(fc1(LN(x)))), x [N, D], processed in row chunks so the [N, F] intermediate
// stays bounded.
struct GeluFeedForward {
  BlockNorm norm;
  Linear fc1, fc2;
  void forward_add(Tensor& x) const;
  int64_t parameter_count() const { return norm.parameter_count() + fc1.parameter_count() + fc2.parameter_count(); }
};

// RoBERTa LM head: logits = decoder . LN(GELU-erf(dense x)) + bias; the decoder is the word
// embedding (tied) unless the checkpoint stores its own.
struct RobertaLmHead {
  Linear dense;
  BlockNorm norm;
  Tensor decoder, bias;  // [V, D], [V]
  // x [N, D] -> logits written into out [N, V].
  void apply_into(const Tensor& x, Tensor& out) const;
  int64_t parameter_count(const Tensor& tied_embedding) const;
};

}  // namespace spindle
