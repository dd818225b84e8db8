// Internals shared by the language-model scorers (proteins/lm_scorers.cpp, esm_scorers.cpp,
// ar_scorer.cpp, msa_transformer_scorer.cpp). Not part of the public API.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "proteins/lm_scorers.h"
#include "proteins/msa.h"
#include "proteins/mutation.h"

namespace spindle::detail {

// Runs `model` on token sequences ([L] each, or [R*C] with msa_shape for MSA models), batching
// equal shapes `batch` at a time, and hands each sequence's logits ([L, V] or [R, C, V], row-major)
// to sink(index, logits). Reports progress after every forward call.
struct LmInput {
  std::vector<int64_t> ids;
  int64_t rows = 1;  // MSA models: rows of `ids` (columns = ids.size() / rows)
};
void run_model(const Model& model, const std::vector<LmInput>& inputs, const LmScorerOptions& options,
               const std::function<void(size_t, const float*)>& sink);

// Scores NaN for variants a substitution model cannot score (stop, frameshift, indel), counting
// them in `result`; true for the variants to score.
std::vector<bool> scorable_variants(const std::vector<Variant>& variants, ScoreResult& result);

// Floor of the mean 0-based index of a variant's substitutions (0 for the wild type).
int64_t mean_index(const Variant& variant);

std::unique_ptr<VariantScorer> make_esm_scorer(std::shared_ptr<const Model> model, const WildType& wild_type,
                                               const LmScorerOptions& options);
std::unique_ptr<VariantScorer> make_ar_scorer(std::shared_ptr<const Model> model, const WildType& wild_type,
                                              const LmScorerOptions& options,
                                              std::shared_ptr<const FocusAlignment> alignment);
std::unique_ptr<VariantScorer> make_msa_transformer_scorer(std::shared_ptr<const Model> model,
                                                           const WildType& wild_type, const LmScorerOptions& options,
                                                           std::shared_ptr<const FocusAlignment> alignment);

}  // namespace spindle::detail
