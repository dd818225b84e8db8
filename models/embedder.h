// Sequence embeddings from a DNA model or an ESM-1/ESM-2 protein model: tokenization,
// context-length chunking with overlap, reverse-complement averaging for DNA, and pooling (mean,
// last, cls, or none = per token). Proteins are embedded as fair-esm's extract.py does: each window
// is <cls> residues <eos>, and only the residue positions are pooled or returned.
#pragma once

#include <string>
#include <string_view>

#include "models/model.h"

namespace spindle {

enum class Pooling { mean, last, cls, none };
// "mean" | "last" | "cls" | "none"; throws UsageError otherwise.
Pooling parse_pooling(const std::string& name);

struct EmbedOptions {
  // Proteins: mean = over the residues (not <cls>/<eos>), cls = the <cls> position, none = one row
  // per residue; last is refused (UsageError). DNA: over / at / of the sequence's tokens.
  Pooling pooling = Pooling::mean;
  // -1: hidden states after the final norm (ESM: after emb_layer_norm_after, fair-esm's
  // representation of the last layer); k >= 0: residual stream after block k (0 = embeddings).
  int64_t layer = -1;
  // DNA only (UsageError for proteins): average with the reverse complement's embedding (token t
  // with token L-1-t), so a sequence and its reverse complement get the same pooled vector.
  bool rc_average = false;
  // Window length in characters (bases or residues) for sequences longer than the model's context.
  // DNA: 0 = the model's max_seq_len (recurrent models with no limit are never chunked). Proteins:
  // 0 = no windows, a protein longer than the context (max_seq_len - 2 residues) is an Error; a
  // window holds at most that many residues and runs as <cls> window <eos>. Windows start every
  // max_len - overlap characters; a position covered by two windows takes its vector from the
  // later window when it has `overlap` characters of left context there (causal models), or when
  // it lies past the middle of the overlap (bidirectional models: each side of a cut gets
  // overlap / 2 characters of context across it).
  int64_t max_len = 0;
  int64_t overlap = -1;  // -1: max_len / 4
};

struct Embedding {
  Tensor vectors;             // pooled: [D]; Pooling::none: [L, D] (proteins: L = residues)
  int64_t tokens = 0;         // characters embedded (both strands counted once); proteins: residues
  int64_t unknown_chars = 0;  // characters mapped to the unknown token (DNA; proteins never have any)
};

class Embedder {
 public:
  // Throws Error for a model with no tokenizer for embedding (neither DNA nor ESM-1/ESM-2) and
  // UsageError for options the model cannot take.
  Embedder(const Model& model, EmbedOptions options);
  // Throws Error for an empty sequence, a protein residue outside the ESM alphabet, or a protein
  // longer than the context without max_len.
  Embedding embed(std::string_view sequence) const;
  int64_t dimension() const;
  const EmbedOptions& options() const { return options_; }
  // The effective window length (0 = unlimited).
  int64_t window() const { return window_; }

 private:
  // Per-token hidden states [L, D] of token ids, chunked when longer than the window. Proteins:
  // `cls` (when not null) receives the first window's <cls> state.
  Tensor token_states(const std::vector<int64_t>& ids, Tensor* cls) const;
  // One forward pass over ids[begin, end) (framed by <cls> ... <eos> for proteins): [end - begin, D].
  Tensor run_window(const std::vector<int64_t>& ids, int64_t begin, int64_t end, Tensor* cls) const;

  const Model& model_;
  EmbedOptions options_;
  bool protein_ = false;         // ESM-1/ESM-2: residue ids framed by <cls> and <eos>
  int64_t protein_limit_ = 0;    // residues per forward pass (0 = unbounded)
  int64_t window_ = 0;
  int64_t overlap_ = 0;
  int64_t keep_after_ = 0;       // a later window's vectors start this many characters into it
};

}  // namespace spindle
