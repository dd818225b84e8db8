#include "models/embedder.h"

#include <cstring>

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
  if (!info.is_dna)
    throw Error("model '" + info.architecture + "' has no sequence tokenizer for embedding yet (DNA models only)");
  if (options_.rc_average && !info.is_dna) throw UsageError("--rc-average needs a DNA model");
  window_ = options_.max_len > 0 ? options_.max_len : info.max_seq_len;
  if (info.max_seq_len > 0 && window_ > info.max_seq_len)
    throw UsageError("--max-len " + std::to_string(window_) + " exceeds the model's context " +
                     std::to_string(info.max_seq_len));
  overlap_ = options_.overlap >= 0 ? options_.overlap : window_ / 4;
  if (window_ > 0 && overlap_ >= window_)
    throw UsageError("--overlap must be smaller than the window (" + std::to_string(window_) + ")");
  if (options_.layer > info.n_layer)
    throw UsageError("--layer " + std::to_string(options_.layer) + " but the model has " + std::to_string(info.n_layer) +
                     " blocks");
}

int64_t Embedder::dimension() const {
  return options_.layer >= 0 ? model_.info().d_model : model_.info().hidden_size_out;
}

Tensor Embedder::run_window(const std::vector<int64_t>& ids, int64_t begin, int64_t end) const {
  Tensor batch = Tensor::empty({1, end - begin}, DType::i64);
  std::memcpy(batch.raw(), ids.data() + begin, (end - begin) * sizeof(int64_t));
  ForwardRequest request;
  request.want_logits = false;
  request.want_hidden = true;
  request.hidden_layer = options_.layer;
  return model_.forward(batch, request).hidden.select(0);
}

Tensor Embedder::token_states(const std::vector<int64_t>& ids) const {
  const int64_t L = static_cast<int64_t>(ids.size());
  if (window_ <= 0 || L <= window_) return run_window(ids, 0, L);
  // Windows start every (window - overlap) tokens. Position t keeps the vector of the last window
  // that starts at or before t - overlap (or the first window), i.e. it has >= overlap tokens of
  // left context wherever the sequence allows.
  const int64_t stride = window_ - overlap_;
  const int64_t D = dimension();
  Tensor out = Tensor::empty({L, D});
  for (int64_t begin = 0;; begin += stride) {
    const int64_t end = std::min(L, begin + window_);
    Tensor states = run_window(ids, begin, end);
    const int64_t keep_from = begin == 0 ? 0 : begin + overlap_;
    std::memcpy(out.select(keep_from).raw(), states.select(keep_from - begin).raw(),
                (end - keep_from) * D * sizeof(float));
    if (end == L) break;
  }
  return out;
}

Embedding Embedder::embed(std::string_view sequence) const {
  if (sequence.empty()) throw Error("empty sequence");
  Embedding result;
  DnaTokens tokens = tokenize_dna(sequence);
  result.unknown_chars = tokens.unknown_count;
  result.tokens = static_cast<int64_t>(tokens.ids.size());
  Tensor states = token_states(tokens.ids);
  const int64_t L = states.dim(0), D = states.dim(1);
  if (options_.rc_average) {
    Tensor rc = token_states(tokenize_dna(reverse_complement(sequence)).ids);
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
      result.vectors = states.select(0).clone();
      break;
    case Pooling::last:
      result.vectors = states.select(L - 1).clone();
      break;
    case Pooling::mean: {
      std::vector<double> sum(D, 0.0);
      for (int64_t t = 0; t < L; ++t)
        for (int64_t d = 0; d < D; ++d) sum[d] += states.data<float>()[t * D + d];
      result.vectors = Tensor::empty({D});
      for (int64_t d = 0; d < D; ++d) result.vectors.data<float>()[d] = static_cast<float>(sum[d] / L);
      break;
    }
  }
  return result;
}

}  // namespace spindle
