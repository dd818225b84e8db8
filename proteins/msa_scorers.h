// VariantScorers over a fitted FamilyModel: "independent" (sum of per-site log-odds) and "potts"
// (Hamiltonian difference, couplings included). Substitutions at wild-type positions that are
// not model columns (insert columns, or outside the focus) make a variant unscorable.
#pragma once

#include <memory>

#include "proteins/family_model.h"
#include "proteins/variant_scorer.h"

namespace spindle {

enum class MsaScorerKind { kIndependent, kPotts };

// `model.columns.column_position` must be numbered against `wild_type` (number_focus_columns).
// Throws spindle::Error when the model lacks the requested part.
std::unique_ptr<VariantScorer> make_msa_scorer(std::shared_ptr<const FamilyModel> model, const WildType& wild_type,
                                               MsaScorerKind kind);

}  // namespace spindle
