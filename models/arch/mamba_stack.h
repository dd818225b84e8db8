// The mamba_ssm `MambaLMHeadModel` family as one runner: embedding, n blocks of
// "residual += mixer(norm(residual)) [; residual += mlp(norm2(residual))]", final norm, LM head.
// The mixer of each layer is Mamba, Mamba2 or attention, from an explicit per-layer list, so HF
// Mamba/Mamba2, mamba_ssm checkpoints and hybrids (attn_layer_idx or a `layer_types` list) are
// configs, not code (MODELS.md 2-4; docs/models-mamba.md lists the accepted keys).
//
// Long inputs stream: the sequence is cut into chunks of `stream_chunk` tokens and every layer
// carries its state (conv inputs + SSM state; keys/values for attention) to the next chunk, so
// activations are O(chunk) and SSM state O(1) in L; the result equals one pass.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/config.h"
#include "models/layers/attention_layer.h"
#include "models/layers/mamba2_mixer.h"
#include "models/layers/mamba_mixer.h"
#include "models/model.h"

namespace spindle {

enum class LayerKind { mamba, mamba2, attention };

struct MambaStackConfig {
  std::string architecture;  // reported in ModelInfo ("mamba", "mamba2", "hybrid")
  int64_t d_model = 0, n_layer = 0, vocab_size = 0, vocab_padded = 0;
  std::vector<LayerKind> layers;  // n_layer entries
  MambaMixerShape mamba;
  Mamba2MixerShape mamba2;
  AttentionShape attention;
  bool mlp = false;  // every block has norm2 + GatedMLP (d_intermediate > 0)
  bool rms_norm = true;
  float norm_eps = 1e-5f;
  bool tie_embeddings = true;
  // Uses the DNA character tokenizer (HyenaDNA ids), so `spindle embed` accepts it: config `is_dna`,
  // else true for vocabularies of at most 16 ids (the character tokenizer's 12, padded).
  bool is_dna = false;
};

// Reads a mamba_ssm `MambaConfig` (d_model, n_layer, ssm_cfg, attn_layer_idx, attn_cfg, ...) or an
// explicit `layer_types` list. Throws Error naming the file for inconsistent values.
MambaStackConfig read_mamba_ssm_config(const Config& c);
// Reads a transformers MambaConfig (`model_type: mamba`) or Mamba2Config (`mamba2`).
MambaStackConfig read_hf_mamba_config(const Config& c);

// Tokens per streamed chunk by default.
constexpr int64_t kDefaultStreamChunk = 2048;

// Builds the model; keys under `backbone.` with `embedding.` or `embeddings.`, lm_head tied to the
// embedding when absent (and tie_embeddings). stream_chunk <= 0: one pass over the whole input.
std::unique_ptr<Model> make_mamba_stack(const MambaStackConfig& config, Checkpoint& ckpt,
                                        int64_t stream_chunk = kDefaultStreamChunk);
// Loads `dir` (config.json + weights) as a Mamba-family stack with a given chunk length (tests).
std::unique_ptr<Model> load_mamba_stack(const std::string& dir, int64_t stream_chunk);

}  // namespace spindle
