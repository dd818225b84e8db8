#include "models/embedder.h"

#include <cstring>

#include "models/sequence.h"
#include "models/tokenizer.h"

namespace spindle {

Pooling parse_pooling(const std::string& name) {
  if (name == "mean") return Pooling::mean;
  if (name == "last") return Pooling::last;
  if (name == "cls") return Pooling::cls;
  if (name == "none") return Pooling::none;
  throw UsageError("--pool must be mean, last, cls or none, not '" + name + "'");
}

Embedder::Embedder(const Model& model, EmbedOptions options) : model_(model), options_(options) {
  const ModelInfo& info = model.info();
  protein_ = info.is_esm;
  if (!info.is_dna && !protein_)
    throw Error("model '" + info.architecture +
                "' has no sequence tokenizer for embedding (DNA models and ESM-1/ESM-2 protein models only)");
  if (protein_) {
    if (options_.rc_average)
      throw UsageError("--rc-average is for DNA models; " + info.architecture + " embeds proteins");
    if (options_.pooling == Pooling::last)
      throw UsageError("--pool last is for DNA models; proteins take mean (over residues), cls or none");
    // <cls> and <eos> take two of the model's positions.
    protein_limit_ = info.max_seq_len > 0 ? info.max_seq_len - 2 : 0;
    window_ = options_.max_len;
    if (protein_limit_ > 0 && window_ > protein_limit_)
      throw UsageError("--max-len " + std::to_string(window_) + " exceeds the model's context of " +
                       std::to_string(protein_limit_) + " residues (" + std::to_string(info.max_seq_len) +
                       " tokens with <cls> and <eos>)");
  } else {
    window_ = options_.max_len > 0 ? options_.max_len : info.max_seq_len;
    if (info.max_seq_len > 0 && window_ > info.max_seq_len)
      throw UsageError("--max-len " + std::to_string(window_) + " exceeds the model's context " +
                       std::to_string(info.max_seq_len));
  }
  overlap_ = options_.overlap >= 0 ? options_.overlap : window_ / 4;
  if (window_ > 0 && overlap_ >= window_)
    throw UsageError("--overlap must be smaller than the window (" + std::to_string(window_) + ")");
  keep_after_ = info.causal ? overlap_ : overlap_ / 2;
  if (options_.layer > info.n_layer)
    throw UsageError("--layer " + std::to_string(options_.layer) + " but the model has " + std::to_string(info.n_layer) +
                     " blocks");
}

int64_t Embedder::dimension() const {
  return options_.layer >= 0 ? model_.info().d_model : model_.info().hidden_size_out;
}

Tensor Embedder::run_window(const std::vector<int64_t>& ids, int64_t begin, int64_t end,
                            Tensor* cls) const {
  const int64_t n = end - begin, framed = protein_ ? 1 : 0;
  Tensor batch = Tensor::empty({1, n + 2 * framed}, DType::i64);
  int64_t* tok = batch.data<int64_t>();
  if (protein_) {
    tok[0] = esm_tokens::kCls;
    tok[n + 1] = esm_tokens::kEos;
  }
  std::memcpy(tok + framed, ids.data() + begin, n * sizeof(int64_t));
  ForwardRequest request;
  request.want_logits = false;
  request.want_hidden = true;
  request.hidden_layer = options_.layer;
  Tensor hidden = model_.forward(batch, request).hidden.select(0);
  if (!protein_) return hidden;
  if (cls) *cls = hidden.select(0).clone();
  return hidden.slice(1, n + 1);
}

Tensor Embedder::token_states(const std::vector<int64_t>& ids, Tensor* cls) const {
  const int64_t L = static_cast<int64_t>(ids.size());
  if (window_ <= 0 || L <= window_) return run_window(ids, 0, L, cls);
  // Windows start every (window - overlap) tokens. Position t keeps the vector of the last window
  // that starts at or before t - keep_after (or the first window): a causal model's vectors then
  // have >= overlap tokens of left context wherever the sequence allows; a bidirectional model's
  // have >= overlap / 2 on both sides of every cut.
  const int64_t stride = window_ - overlap_;
  const int64_t D = dimension();
  Tensor out = Tensor::empty({L, D});
  for (int64_t begin = 0;; begin += stride) {
    const int64_t end = std::min(L, begin + window_);
    Tensor states = run_window(ids, begin, end, begin == 0 ? cls : nullptr);
    const int64_t keep_from = begin == 0 ? 0 : begin + keep_after_;
    const int64_t keep_to = end == L ? L : std::min(L, begin + stride + keep_after_);
    std::memcpy(out.select(keep_from).raw(), states.select(keep_from - begin).raw(),
                (keep_to - keep_from) * D * sizeof(float));
    if (end == L) break;
  }
  return out;
}

Embedding Embedder::embed(std::string_view sequence) const {
  if (sequence.empty()) throw Error("empty sequence");
  Embedding result;
  std::vector<int64_t> ids;
  if (protein_) {
    ids = esm_residue_ids(sequence);
    if (window_ <= 0 && protein_limit_ > 0 && static_cast<int64_t>(ids.size()) > protein_limit_)
      throw Error("protein of " + std::to_string(ids.size()) +
                  " residues is longer than the model's context of " +
                  std::to_string(protein_limit_) +
                  " residues; embed it in windows with --max-len N (at most " +
                  std::to_string(protein_limit_) + ")");
  } else {
    DnaTokens tokens = tokenize_dna(sequence);
    result.unknown_chars = tokens.unknown_count;
    ids = std::move(tokens.ids);
  }
  result.tokens = static_cast<int64_t>(ids.size());
  Tensor cls;
  Tensor states = token_states(ids, protein_ ? &cls : nullptr);
  const int64_t L = states.dim(0), D = states.dim(1);
  if (options_.rc_average) {
    Tensor rc = token_states(tokenize_dna(reverse_complement(sequence)).ids, nullptr);
    float* s = states.data<float>();
    const float* r = rc.data<float>();
    for (int64_t t = 0; t < L; ++t)
      for (int64_t d = 0; d < D; ++d) s[t * D + d] = 0.5f * (s[t * D + d] + r[(L - 1 - t) * D + d]);
  }
  switch (options_.pooling) {
    case Pooling::none:
      result.vectors = states;
      break;
    case Pooling::cls:
      result.vectors = protein_ ? cls : states.select(0).clone();
      break;
    case Pooling::last:
      result.vectors = states.select(L - 1).clone();
      break;
    case Pooling::mean: {
      std::vector<double> sum(D, 0.0);
      for (int64_t t = 0; t < L; ++t)
        for (int64_t d = 0; d < D; ++d) sum[d] += states.data<float>()[t * D + d];
      result.vectors = Tensor::empty({D});
      for (int64_t d = 0; d < D; ++d)
        result.vectors.data<float>()[d] = static_cast<float>(sum[d] / L);
      break;
    }
  }
  return result;
}

}  // namespace spindle
