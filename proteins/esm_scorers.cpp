// Masked-LM scores with ESM-style models (MODELS.md 7): masked-marginal, wt-marginal,
// mutant-marginal and pseudo-log-likelihood. Log-probabilities are the log-softmax over the whole
// 33-token vocabulary at token 1 + residue index (<cls> first). A protein longer than the context
// is cut into a window: centred on the site for the per-site marginals (so they stay additive),
// on the mean mutated index for mutant-marginal and PLL (the wild type is scored on the same window).
#include <cmath>
#include <map>
#include <set>

#include "base/error.h"
#include "models/tokenizer.h"
#include "proteins/lm_scorer_detail.h"

namespace spindle::detail {
namespace {

using Window = std::pair<int64_t, int64_t>;

class EsmScorer final : public VariantScorer {
 public:
  EsmScorer(std::shared_ptr<const Model> model, const WildType& wt, const LmScorerOptions& options)
      : model_(std::move(model)), wt_(wt), options_(options) {
    const ModelInfo& info = model_->info();
    if (info.vocab_size < 33)
      throw UsageError("--scoring " + name() + " needs the ESM alphabet (33 tokens); " + info.architecture + " has " +
                       std::to_string(info.vocab_size));
    context_ = info.max_seq_len > 0 ? info.max_seq_len - 2 : 0;  // <cls> and <eos>
    if (options.window > 0) context_ = context_ > 0 ? std::min(context_, options.window) : options.window;
  }

  std::string name() const override { return lm_scoring_name(options_.scoring); }

  ScoreResult score(const std::vector<Variant>& variants) const override {
    ScoreResult result;
    const std::vector<bool> ok = scorable_variants(variants, result);
    switch (options_.scoring) {
      case LmScoring::kMaskedMarginal:
      case LmScoring::kWtMarginal: site_marginals(variants, ok, result); break;
      case LmScoring::kMutantMarginal: mutant_marginals(variants, ok, result); break;
      default: pseudo_likelihoods(variants, ok, result); break;
    }
    return result;
  }

 private:
  int64_t length() const { return static_cast<int64_t>(wt_.sequence.size()); }
  Window window_at(int64_t center) const { return optimal_window(center, length(), context_); }

  // <cls> + sequence[w) + <eos>, with <mask> at residue `masked` (-1: none).
  static std::vector<int64_t> tokens(const std::string& sequence, Window w, int64_t masked) {
    std::vector<int64_t> ids = tokenize_esm(std::string_view(sequence).substr(w.first, w.second - w.first));
    if (masked >= 0) ids[static_cast<size_t>(1 + masked - w.first)] = esm_tokens::kMask;
    return ids;
  }

  static double delta(const std::vector<double>& lp, const Substitution& s) {
    return lp[static_cast<size_t>(esm_token(s.to))] - lp[static_cast<size_t>(esm_token(s.from))];
  }

  // masked- and wt-marginal: one log-probability row per mutated site, then sums over sites.
  void site_marginals(const std::vector<Variant>& variants, const std::vector<bool>& ok, ScoreResult& result) const {
    std::set<int64_t> sites;
    for (size_t i = 0; i < variants.size(); ++i)
      if (ok[i])
        for (auto& s : variants[i].substitutions) sites.insert(s.index);
    const bool masked = options_.scoring == LmScoring::kMaskedMarginal;
    std::vector<LmInput> inputs;
    std::vector<std::vector<int64_t>> sites_of_input;  // which sites each pass serves
    std::map<Window, size_t> unmasked_pass;            // wt-marginal: one pass per distinct window
    for (int64_t p : sites) {
      const Window w = window_at(p);
      if (masked) {
        inputs.push_back({tokens(wt_.sequence, w, p)});
        sites_of_input.push_back({p});
      } else {
        auto [it, fresh] = unmasked_pass.emplace(w, inputs.size());
        if (fresh) {
          inputs.push_back({tokens(wt_.sequence, w, -1)});
          sites_of_input.emplace_back();
        }
        sites_of_input[it->second].push_back(p);
      }
    }
    std::map<int64_t, std::vector<double>> lp;
    const int64_t V = model_->info().vocab_size_padded;
    run_model(*model_, inputs, options_, [&](size_t i, const float* logits) {
      for (int64_t p : sites_of_input[i]) {
        const int64_t token = 1 + p - window_at(p).first;
        lp[p] = log_softmax(logits + token * V, V);
      }
    });
    for (size_t i = 0; i < variants.size(); ++i) {
      if (!ok[i]) continue;
      double sum = 0;  // additive over sites, as ProteinGym sums the ':'-separated parts
      for (auto& s : variants[i].substitutions) sum += delta(lp.at(s.index), s);
      result.scores[i] = sum;
    }
  }

  std::string mutate(const Variant& v) const {
    std::string s = wt_.sequence;
    for (auto& sub : v.substitutions) s[static_cast<size_t>(sub.index)] = sub.to;
    return s;
  }

  void mutant_marginals(const std::vector<Variant>& variants, const std::vector<bool>& ok, ScoreResult& result) const {
    std::vector<LmInput> inputs;
    std::vector<size_t> variant_of;
    for (size_t i = 0; i < variants.size(); ++i)
      if (ok[i]) {
        inputs.push_back({tokens(mutate(variants[i]), window_at(mean_index(variants[i])), -1)});
        variant_of.push_back(i);
      }
    const int64_t V = model_->info().vocab_size_padded;
    run_model(*model_, inputs, options_, [&](size_t k, const float* logits) {
      const Variant& v = variants[variant_of[k]];
      const Window w = window_at(mean_index(v));
      double sum = 0;
      for (auto& s : v.substitutions) {
        if (s.index < w.first || s.index >= w.second) continue;  // outside the window: no evidence
        sum += delta(log_softmax(logits + (1 + s.index - w.first) * V, V), s);
      }
      result.scores[variant_of[k]] = sum;
    });
  }

  // PLL(s) over window w = sum_k log p(s_k | s with k masked): |w| passes per sequence. The ESM
  // predict.py pseudo-ppl reads residue i at token i (off by one because of <cls>); this does not.
  void pseudo_likelihoods(const std::vector<Variant>& variants, const std::vector<bool>& ok, ScoreResult& result) const {
    std::map<Window, size_t> wt_sequences;  // window -> index into `sequences`
    std::vector<std::pair<std::string, Window>> sequences;
    std::vector<size_t> seq_of_variant(variants.size());
    for (size_t i = 0; i < variants.size(); ++i) {
      if (!ok[i]) continue;
      const Window w = window_at(mean_index(variants[i]));
      if (wt_sequences.emplace(w, sequences.size()).second) sequences.emplace_back(wt_.sequence, w);
      seq_of_variant[i] = sequences.size();
      sequences.emplace_back(mutate(variants[i]), w);
    }
    std::vector<LmInput> inputs;
    std::vector<std::pair<size_t, int64_t>> source;  // (sequence, masked residue)
    for (size_t s = 0; s < sequences.size(); ++s)
      for (int64_t k = sequences[s].second.first; k < sequences[s].second.second; ++k) {
        inputs.push_back({tokens(sequences[s].first, sequences[s].second, k)});
        source.emplace_back(s, k);
      }
    std::vector<double> pll(sequences.size(), 0.0);
    const int64_t V = model_->info().vocab_size_padded;
    run_model(*model_, inputs, options_, [&](size_t i, const float* logits) {
      const auto [s, k] = source[i];
      const Window w = sequences[s].second;
      const std::vector<double> lp = log_softmax(logits + (1 + k - w.first) * V, V);
      pll[s] += lp[static_cast<size_t>(esm_token(sequences[s].first[static_cast<size_t>(k)]))];
    });
    for (size_t i = 0; i < variants.size(); ++i)
      if (ok[i])
        result.scores[i] = pll[seq_of_variant[i]] - pll[wt_sequences.at(window_at(mean_index(variants[i])))];
  }

  std::shared_ptr<const Model> model_;
  WildType wt_;
  LmScorerOptions options_;
  int64_t context_ = 0;
};

}  // namespace

std::unique_ptr<VariantScorer> make_esm_scorer(std::shared_ptr<const Model> model, const WildType& wild_type,
                                               const LmScorerOptions& options) {
  return std::make_unique<EsmScorer>(std::move(model), wild_type, options);
}

}  // namespace spindle::detail
