#include "proteins/lm_scorers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "base/error.h"
#include "models/tokenizer.h"
#include "proteins/amino_acids.h"
#include "proteins/lm_scorer_detail.h"
#include "proteins/sequence_weights.h"

namespace spindle {

namespace {
constexpr const char* kNames[] = {"masked-marginal", "wt-marginal", "mutant-marginal", "pll", "ar", "retrieval"};
constexpr int kPriorVocab = 25;  // Tranception: 5 special tokens, then A..Y
}  // namespace

LmScoring parse_lm_scoring(const std::string& name) {
  for (int i = 0; i < 6; ++i)
    if (name == kNames[i]) return static_cast<LmScoring>(i);
  throw UsageError("--scoring '" + name + "': expected masked-marginal, wt-marginal, mutant-marginal, pll, ar or retrieval");
}

const char* lm_scoring_name(LmScoring scoring) { return kNames[static_cast<int>(scoring)]; }

std::pair<int64_t, int64_t> optimal_window(int64_t center, int64_t length, int64_t window) {
  if (window <= 0 || length <= window) return {0, length};
  const int64_t half = window / 2;
  if (center < half) return {0, window};
  if (center >= length - half) return {length - window, length};
  const int64_t begin = std::max<int64_t>(0, center - half);
  return {begin, std::min(length, begin + window)};
}

std::vector<double> log_softmax(const float* logits, int64_t n) {
  double mx = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i) mx = std::max(mx, double(logits[i]));
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += std::exp(double(logits[i]) - mx);
  const double lse = mx + std::log(sum);
  std::vector<double> out(n);
  for (int64_t i = 0; i < n; ++i) out[i] = double(logits[i]) - lse;
  return out;
}

RetrievalPrior build_retrieval_prior(const FocusAlignment& a, const WildType& wild_type, bool seq_weights, double theta) {
  const int64_t wild_type_length = static_cast<int64_t>(wild_type.sequence.size());
  const size_t N = a.n_sequences, L = a.n_columns;
  std::vector<float> weights = seq_weights ? compute_sequence_weights(a, theta, 0) : std::vector<float>(N, 1.f);
  // Identity to the focus: matching residues (gaps never match) over the focus length.
  std::vector<bool> keep(N);
  for (size_t n = 0; n < N; ++n) {
    size_t same = 0;
    for (size_t t = 0; t < L; ++t) {
      const uint8_t s = a.states[n * L + t];
      same += s != kGapState && s == a.states[t];
    }
    keep[n] = L > 0 && double(same) / double(L) >= 0.2;
  }
  RetrievalPrior prior;
  prior.column_of_residue.assign(static_cast<size_t>(wild_type_length), -1);
  prior.log_p.assign(L * kPriorVocab, 0.0);
  for (size_t t = 0; t < L; ++t) {
    std::vector<double> count(kPriorVocab, 0.0);
    double total = 0;
    for (size_t n = 0; n < N; ++n) {
      if (!keep[n]) continue;
      const uint8_t s = a.states[n * L + t];
      const double w = weights[n];
      for (int v = 0; v < kPriorVocab; ++v) count[v] += w * 1e-5;
      total += w * kPriorVocab * 1e-5;
      if (s != kGapState && s != kInvalidState) {
        count[static_cast<size_t>(tranception_token(kAlphabet[s]))] += w;
        total += w;
      }
    }
    for (int v = 0; v < kPriorVocab; ++v) prior.log_p[t * kPriorVocab + v] = std::log(count[v] / total);
    const int64_t residue = a.column_position[t] - wild_type.first_position;
    if (residue >= 0 && residue < wild_type_length) prior.column_of_residue[static_cast<size_t>(residue)] = int64_t(t);
  }
  return prior;
}

double causal_log_likelihood(const std::vector<int64_t>& ids, const float* logits, int64_t vocab,
                             const RetrievalPrior* prior, const std::vector<int64_t>& residue_index, double alpha) {
  double ll = 0;
  for (size_t t = 0; t + 1 < ids.size(); ++t) {
    // logits at position t predict token t + 1; tokens 1..L-2 are residues k = t, the last is [SEP].
    const std::vector<double> lp = log_softmax(logits + t * vocab, vocab);
    double term = lp[static_cast<size_t>(ids[t + 1])];
    const bool residue = t + 2 < ids.size();
    if (prior && residue) {
      const int64_t index = residue_index[t];
      if (index >= 0 && index < int64_t(prior->column_of_residue.size()) && prior->column_of_residue[index] >= 0)
        term = (1 - alpha) * term + alpha * prior->log_prob(index, ids[t + 1]);
    }
    ll += term;
  }
  return ll;
}

std::unique_ptr<VariantScorer> make_lm_scorer(std::shared_ptr<const Model> model, const WildType& wild_type,
                                              const LmScorerOptions& options,
                                              std::shared_ptr<const FocusAlignment> alignment) {
  const ModelInfo& info = model->info();
  const char* mode = lm_scoring_name(options.scoring);
  if (info.is_msa) {
    if (options.scoring != LmScoring::kMaskedMarginal)
      throw UsageError(std::string("--scoring ") + mode + ": an MSA Transformer scores with masked-marginal only");
    if (!alignment) throw UsageError("--scoring masked-marginal with an MSA Transformer needs --msa");
    return detail::make_msa_transformer_scorer(std::move(model), wild_type, options, std::move(alignment));
  }
  if (options.scoring == LmScoring::kAutoregressive || options.scoring == LmScoring::kRetrieval) {
    if (!info.causal)
      throw UsageError(std::string("--scoring ") + mode + " needs a causal model; " + info.architecture +
                       " is bidirectional (use masked-marginal, wt-marginal, mutant-marginal or pll)");
    if (options.scoring == LmScoring::kRetrieval && !alignment) throw UsageError("--scoring retrieval needs --msa");
    return detail::make_ar_scorer(std::move(model), wild_type, options, std::move(alignment));
  }
  if (info.causal)
    throw UsageError(std::string("--scoring ") + mode + " needs a masked language model; " + info.architecture +
                     " is causal (use ar or retrieval)");
  return detail::make_esm_scorer(std::move(model), wild_type, options);
}

namespace detail {

void run_model(const Model& model, const std::vector<LmInput>& inputs, const LmScorerOptions& options,
               const std::function<void(size_t, const float*)>& sink) {
  // Group equal shapes so each forward call is one dense [B, L] (or [B, R, C]) tensor.
  std::map<std::pair<int64_t, size_t>, std::vector<size_t>> groups;
  for (size_t i = 0; i < inputs.size(); ++i) groups[{inputs[i].rows, inputs[i].ids.size()}].push_back(i);
  const size_t batch = static_cast<size_t>(std::max<int64_t>(1, options.batch));
  size_t planned = 0, done = 0;
  for (auto& [shape, members] : groups) planned += (members.size() + batch - 1) / batch;
  const bool msa = model.info().is_msa;
  ForwardRequest request;
  request.want_hidden = false;
  for (auto& [shape, members] : groups) {
    const auto [rows, size] = shape;
    for (size_t b0 = 0; b0 < members.size(); b0 += batch) {
      const size_t nb = std::min(batch, members.size() - b0);
      Shape s = msa ? Shape{int64_t(nb), rows, int64_t(size) / rows} : Shape{int64_t(nb), int64_t(size)};
      Tensor ids = Tensor::empty(s, DType::i64);
      for (size_t j = 0; j < nb; ++j)
        std::copy(inputs[members[b0 + j]].ids.begin(), inputs[members[b0 + j]].ids.end(),
                  ids.data<int64_t>() + j * size);
      ForwardResult r = model.forward(ids, request);
      const int64_t per = r.logits.numel() / int64_t(nb);
      for (size_t j = 0; j < nb; ++j) sink(members[b0 + j], r.logits.data<float>() + j * per);
      if (options.progress) options.progress(++done, planned);
    }
  }
}

std::vector<bool> scorable_variants(const std::vector<Variant>& variants, ScoreResult& result) {
  std::vector<bool> ok(variants.size());
  result.scores.assign(variants.size(), std::numeric_limits<double>::quiet_NaN());
  for (size_t i = 0; i < variants.size(); ++i) {
    const VariantKind k = variants[i].kind;
    ok[i] = k == VariantKind::kSubstitutions || k == VariantKind::kWildType;
    if (!ok[i]) result.unscorable[variant_kind_name(k)]++;
  }
  return ok;
}

int64_t mean_index(const Variant& variant) {
  if (variant.substitutions.empty()) return 0;
  int64_t sum = 0;
  for (auto& s : variant.substitutions) sum += s.index;
  return sum / static_cast<int64_t>(variant.substitutions.size());
}

}  // namespace detail
}  // namespace spindle
