// Autoregressive log-likelihood ratio (Tranception's scoring, MODELS.md 7) for any causal model
// with at least Tranception's 25 tokens: [CLS] s [SEP] in Tranception ids, LL = sum of
// log p(token | prefix) over the residues and the final [SEP], per direction
// delta = LL(mut)/|mut| - LL(wt)/|wt| (the wild type scored on the same window), and the final
// score is the mean of the left-to-right and right-to-left deltas. Multi-mutants are rescored as
// whole sequences (not additive). With retrieval, each residue inside the alignment mixes in the
// MSA prior: (1 - alpha) log p_AR + alpha log p_MSA, no renormalisation.
#include <map>
#include <random>
#include <cstring>

#include "base/error.h"
#include "models/tokenizer.h"
#include "proteins/lm_scorer_detail.h"

namespace spindle::detail {
namespace {

using Window = std::pair<int64_t, int64_t>;
constexpr int64_t kCls = 1, kSep = 2;

class ArScorer final : public VariantScorer {
 public:
  ArScorer(std::shared_ptr<const Model> model, const WildType& wt, const LmScorerOptions& options,
           std::shared_ptr<const FocusAlignment> alignment)
      : model_(std::move(model)), wt_(wt), options_(options) {
    const ModelInfo& info = model_->info();
    if (info.vocab_size_padded < 25)
      throw UsageError("--scoring " + name() + " reads Tranception token ids (25); " + info.architecture + " has only " +
                       std::to_string(info.vocab_size_padded) + " tokens");
    context_ = info.max_seq_len > 0 ? info.max_seq_len - 2 : 0;  // [CLS] and [SEP]
    if (options.window > 0) context_ = context_ > 0 ? std::min(context_, options.window) : options.window;
    // Ambiguity codes become a random residue of their set (seeded, once, so every variant shares
    // the same wild-type background).
    std::mt19937_64 rng(options.seed);
    for (char& c : wt_.sequence) {
      const char* set = c == 'X' ? "ACDEFGHIKLMNPQRSTVWY" : c == 'B' ? "DN" : c == 'J' ? "IL" : c == 'Z' ? "EQ" : nullptr;
      if (set) c = set[std::uniform_int_distribution<size_t>(0, std::strlen(set) - 1)(rng)];
    }
    if (options.scoring == LmScoring::kRetrieval)
      prior_ = std::make_unique<RetrievalPrior>(
          build_retrieval_prior(*alignment, wt_, options.retrieval_seq_weights, options.theta));
  }

  std::string name() const override { return lm_scoring_name(options_.scoring); }

  ScoreResult score(const std::vector<Variant>& variants) const override {
    ScoreResult result;
    const std::vector<bool> ok = scorable_variants(variants, result);
    const int64_t L = static_cast<int64_t>(wt_.sequence.size());
    // Sequences to score: per variant its mutant, per distinct window the wild type; both directions.
    std::vector<std::pair<std::string, Window>> sequences;
    std::map<Window, size_t> wt_index;
    std::vector<size_t> mut_index(variants.size());
    for (size_t i = 0; i < variants.size(); ++i) {
      if (!ok[i]) continue;
      const Window w = optimal_window(mean_index(variants[i]), L, context_);
      if (wt_index.emplace(w, sequences.size()).second) sequences.emplace_back(wt_.sequence, w);
      std::string s = wt_.sequence;
      for (auto& sub : variants[i].substitutions) s[static_cast<size_t>(sub.index)] = sub.to;
      mut_index[i] = sequences.size();
      sequences.emplace_back(std::move(s), w);
    }
    std::vector<LmInput> inputs;
    std::vector<std::vector<int64_t>> residue_index;
    for (auto& [s, w] : sequences)
      for (bool reverse : {false, true}) {
        LmInput in;
        std::vector<int64_t> index;
        in.ids.push_back(kCls);
        for (int64_t k = 0; k < w.second - w.first; ++k) {
          const int64_t r = reverse ? w.second - 1 - k : w.first + k;
          in.ids.push_back(tranception_token(s[static_cast<size_t>(r)]));
          index.push_back(r);
        }
        in.ids.push_back(kSep);
        inputs.push_back(std::move(in));
        residue_index.push_back(std::move(index));
      }
    // Per sequence: LL/|s| for each direction.
    std::vector<double> normalised(inputs.size());
    const int64_t V = model_->info().vocab_size_padded;
    run_model(*model_, inputs, options_, [&](size_t i, const float* logits) {
      const double ll = causal_log_likelihood(inputs[i].ids, logits, V, prior_.get(), residue_index[i],
                                              options_.retrieval_weight);
      normalised[i] = ll / static_cast<double>(inputs[i].ids.size() - 2);
    });
    for (size_t i = 0; i < variants.size(); ++i) {
      if (!ok[i]) continue;
      const size_t m = mut_index[i], w = wt_index.at(sequences[m].second);
      const double forward = normalised[2 * m] - normalised[2 * w];
      const double backward = normalised[2 * m + 1] - normalised[2 * w + 1];
      result.scores[i] = (forward + backward) / 2;
    }
    return result;
  }

 private:
  std::shared_ptr<const Model> model_;
  WildType wt_;
  LmScorerOptions options_;
  int64_t context_ = 0;
  std::unique_ptr<RetrievalPrior> prior_;
};

}  // namespace

std::unique_ptr<VariantScorer> make_ar_scorer(std::shared_ptr<const Model> model, const WildType& wild_type,
                                              const LmScorerOptions& options,
                                              std::shared_ptr<const FocusAlignment> alignment) {
  return std::make_unique<ArScorer>(std::move(model), wild_type, options, std::move(alignment));
}

}  // namespace spindle::detail
