// MSA Transformer masked-marginal (MODELS.md 7): the wild type is row 0 of an MSA of its
// homologues (inserts already stripped, focus columns only), column p of row 0 only is masked,
// and the score sums log p(mt) - log p(wt) over the mutated sites. Rows: the first N of the
// alignment (fair-esm), or N - 1 homologues sampled by sequence weight without replacement behind
// the wild type, with the scores averaged over several seeds (ProteinGym). Sites outside the
// alignment's columns are unscorable. Alignments wider than the position table are windowed
// around each site.
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "base/error.h"
#include "models/tokenizer.h"
#include "proteins/amino_acids.h"
#include "proteins/lm_scorer_detail.h"
#include "proteins/sequence_weights.h"

namespace spindle::detail {
namespace {

class MsaTransformerScorer final : public VariantScorer {
 public:
  MsaTransformerScorer(std::shared_ptr<const Model> model, const WildType& wt, const LmScorerOptions& options,
                       std::shared_ptr<const FocusAlignment> alignment)
      : model_(std::move(model)), wt_(wt), options_(options), a_(std::move(alignment)) {
    if (a_->n_columns == 0 || a_->n_sequences == 0) throw Error(a_->focus_name + ": the alignment has no columns");
    if (options.msa_rows < 1) throw UsageError("--msa-rows must be at least 1");
    context_ = model_->info().max_seq_len - 1;  // <cls> takes one position
    if (options.window > 0) context_ = std::min(context_, options.window);
    column_of_.assign(wt_.sequence.size(), -1);
    for (size_t c = 0; c < a_->n_columns; ++c) {
      const int64_t r = a_->column_position[c] - wt_.first_position;
      if (r >= 0 && r < int64_t(wt_.sequence.size())) column_of_[static_cast<size_t>(r)] = int64_t(c);
    }
    if (options.msa_weighted_sampling) weights_ = compute_sequence_weights(*a_, options.theta, 0);
  }

  std::string name() const override { return lm_scoring_name(options_.scoring); }

  ScoreResult score(const std::vector<Variant>& variants) const override {
    ScoreResult result;
    std::vector<bool> ok = scorable_variants(variants, result);
    std::set<int64_t> columns;
    for (size_t i = 0; i < variants.size(); ++i) {
      if (!ok[i]) continue;
      for (auto& s : variants[i].substitutions)
        if (column_of_[static_cast<size_t>(s.index)] < 0) ok[i] = false;
      if (!ok[i]) {
        result.unscorable["outside the alignment columns"]++;
        continue;
      }
      for (auto& s : variants[i].substitutions) columns.insert(column_of_[static_cast<size_t>(s.index)]);
    }
    const int seeds = options_.msa_weighted_sampling ? std::max(1, options_.msa_seeds) : 1;
    const int64_t C = static_cast<int64_t>(a_->n_columns), V = model_->info().vocab_size_padded;
    std::vector<std::map<int64_t, std::vector<double>>> lp(seeds);  // per seed: column -> log-probs
    std::vector<LmInput> inputs;
    std::vector<std::pair<int, int64_t>> source;
    for (int seed = 0; seed < seeds; ++seed) {
      const std::vector<size_t> rows = pick_rows(seed);
      for (int64_t col : columns) {
        const auto [begin, end] = optimal_window(col, C, context_);
        LmInput in;
        in.rows = static_cast<int64_t>(rows.size());
        for (size_t r = 0; r < rows.size(); ++r) {
          in.ids.push_back(esm_tokens::kCls);
          for (int64_t c = begin; c < end; ++c) {
            if (r == 0) {
              in.ids.push_back(c == col ? esm_tokens::kMask
                                        : esm_token(wt_.sequence[static_cast<size_t>(a_->column_position[c] -
                                                                                     wt_.first_position)]));
            } else {
              const uint8_t s = a_->states[rows[r] * a_->n_columns + static_cast<size_t>(c)];
              in.ids.push_back(esm_token(s == kGapState ? '-' : kAlphabet[s]));
            }
          }
        }
        inputs.push_back(std::move(in));
        source.emplace_back(seed, col);
      }
    }
    run_model(*model_, inputs, options_, [&](size_t i, const float* logits) {
      const auto [seed, col] = source[i];
      const int64_t begin = optimal_window(col, C, context_).first;
      lp[seed][col] = log_softmax(logits + (1 + col - begin) * V, V);  // row 0 comes first
    });
    for (size_t i = 0; i < variants.size(); ++i) {
      if (!ok[i]) continue;
      double total = 0;
      for (int seed = 0; seed < seeds; ++seed)
        for (auto& s : variants[i].substitutions) {
          const auto& row = lp[seed].at(column_of_[static_cast<size_t>(s.index)]);
          total += row[static_cast<size_t>(esm_token(s.to))] - row[static_cast<size_t>(esm_token(s.from))];
        }
      result.scores[i] = total / seeds;
    }
    return result;
  }

 private:
  // Row 0 (the focus = wild type) first, then homologues: the next rows, or a weighted sample.
  std::vector<size_t> pick_rows(int seed) const {
    const size_t n = a_->n_sequences, want = std::min<size_t>(n, static_cast<size_t>(options_.msa_rows));
    std::vector<size_t> rows = {0};
    if (!options_.msa_weighted_sampling) {
      for (size_t r = 1; r < want; ++r) rows.push_back(r);
      return rows;
    }
    // Weighted sampling without replacement (Efraimidis-Spirakis: the largest u^(1/w) keys).
    std::mt19937_64 rng(options_.seed + static_cast<uint64_t>(seed));
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::vector<std::pair<double, size_t>> keys;
    for (size_t r = 1; r < n; ++r) {
      const double w = std::max(1e-12, double(weights_[r]));
      keys.emplace_back(std::log(std::max(1e-300, uniform(rng))) / w, r);
    }
    std::partial_sort(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(want - 1), keys.end(),
                      [](auto& x, auto& y) { return x.first > y.first; });
    for (size_t k = 0; k + 1 < want; ++k) rows.push_back(keys[k].second);
    return rows;
  }

  std::shared_ptr<const Model> model_;
  WildType wt_;
  LmScorerOptions options_;
  std::shared_ptr<const FocusAlignment> a_;
  int64_t context_ = 0;
  std::vector<int64_t> column_of_;  // wild-type residue -> alignment column, or -1
  std::vector<float> weights_;
};

}  // namespace

std::unique_ptr<VariantScorer> make_msa_transformer_scorer(std::shared_ptr<const Model> model,
                                                           const WildType& wild_type, const LmScorerOptions& options,
                                                           std::shared_ptr<const FocusAlignment> alignment) {
  return std::make_unique<MsaTransformerScorer>(std::move(model), wild_type, options, std::move(alignment));
}

}  // namespace spindle::detail
