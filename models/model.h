// Model: the interface the rest of spindle sees. Token ids in, hidden states and logits out.
// Architectures live in models/arch/ and register a factory in models/registry.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kernels/tensor.h"
#include "models/checkpoint.h"
#include "models/config.h"

namespace spindle {

struct ModelInfo {
  std::string architecture;  // "hyenadna", "mamba", ...
  int64_t d_model = 0;
  int64_t n_layer = 0;
  int64_t vocab_size = 0;         // as in the config
  int64_t vocab_size_padded = 0;  // rows of the embedding / logits width
  int64_t max_seq_len = 0;        // 0 = unbounded (recurrent models)
  bool causal = true;
  bool is_dna = false;            // uses the DNA character tokenizer
  bool is_esm = false;            // ESM-1/ESM-2: ESM alphabet, input <cls> residues <eos> (not the MSA Transformer)
  bool is_msa = false;            // input ids are [B, R, C]
  int64_t hidden_size_out = 0;    // width of last_hidden_state (2*d_model for Caduceus-PS)
};

struct ForwardRequest {
  bool want_logits = true;
  bool want_hidden = true;
  // -1: hidden = after the final norm. k >= 0: hidden = residual stream after block k (0 = embeddings).
  int64_t hidden_layer = -1;
  // Also return the residual stream after every block ([n_layer+1, ...], debugging/goldens).
  bool want_layer_outputs = false;
};

struct ForwardResult {
  Tensor logits;         // f32 [B, L, V_padded] (MSA: [B, R, C, V])
  Tensor hidden;         // f32 [B, L, D_out]
  Tensor layer_outputs;  // f32 [n_layer+1, B, L, D] when requested
};

class Model {
 public:
  virtual ~Model() = default;
  virtual const ModelInfo& info() const = 0;
  // ids: i64 [B, L] (MSA models: [B, R, C]). Throws Error for ids out of range or L too long.
  virtual ForwardResult forward(const Tensor& ids, const ForwardRequest& request) const = 0;
  // Parameter count (unique tensors), for `model info`.
  virtual int64_t parameter_count() const = 0;
};

// The weights an architecture expects, for `model info` (missing/unexpected lists).
struct ExpectedTensors {
  std::vector<std::string> required;  // after alias resolution
  std::vector<std::string> ignored;   // present in some files, never read (e.g. inv_freq)
};

}  // namespace spindle
