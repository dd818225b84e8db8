// Sequence embeddings from any Model: tokenization, context-length chunking with overlap,
// reverse-complement averaging for DNA, and pooling (mean, last, cls, or none = per token).
#pragma once

#include <string>
#include <string_view>

#include "models/model.h"

namespace spindle {

enum class Pooling { mean, last, cls, none };
// "mean" | "last" | "cls" | "none"; throws UsageError otherwise.
Pooling parse_pooling(const std::string& name);

struct EmbedOptions {
  Pooling pooling = Pooling::mean;
  // -1: hidden states after the final norm; k >= 0: residual stream after block k (0 = embeddings).
  int64_t layer = -1;
  // DNA only: average with the reverse complement's embedding (token t with token L-1-t), so a
  // sequence and its reverse complement get the same pooled vector.
  bool rc_average = false;
  // Window length for sequences longer than the model's context (0 = the model's max_seq_len;
  // recurrent models with no limit are never chunked). Windows overlap by `overlap` tokens; each
  // position takes its vector from the window that gave it the most left context.
  int64_t max_len = 0;
  int64_t overlap = -1;  // -1: max_len / 4
};

struct Embedding {
  Tensor vectors;             // pooled: [D]; Pooling::none: [L, D]
  int64_t tokens = 0;         // tokens run through the model (both strands counted once)
  int64_t unknown_chars = 0;  // characters mapped to the unknown token
};

class Embedder {
 public:
  Embedder(const Model& model, EmbedOptions options);
  // Throws Error for an empty sequence or a model without a tokenizer for embedding.
  Embedding embed(std::string_view sequence) const;
  int64_t dimension() const;
  const EmbedOptions& options() const { return options_; }
  // The effective window length (0 = unlimited).
  int64_t window() const { return window_; }

 private:
  // Per-token hidden states [L, D] of token ids, chunked when longer than the window.
  Tensor token_states(const std::vector<int64_t>& ids) const;
  Tensor run_window(const std::vector<int64_t>& ids, int64_t begin, int64_t end) const;

  const Model& model_;
  EmbedOptions options_;
  int64_t window_ = 0;
  int64_t overlap_ = 0;
};

}  // namespace spindle
