// The interface every variant-effect model offers the `score` command: parsed, validated
// variants in, one score per variant out. MSA models (msa_scorers.h) implement it today;
// language-model scorers plug in the same way.
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "proteins/mutation.h"

namespace spindle {

struct ScoreResult {
  // One per variant, higher = predicted fitter; NaN where the model cannot score the variant.
  std::vector<double> scores;
  // Why variants were not scored, with counts ("stop", "outside the model columns", ...).
  std::map<std::string, size_t> unscorable;
};

class VariantScorer {
 public:
  virtual ~VariantScorer() = default;
  // The output column name ("potts", "independent", ...).
  virtual std::string name() const = 0;
  // Scores variants already checked against the wild type (validate_variant).
  virtual ScoreResult score(const std::vector<Variant>& variants) const = 0;
};

}  // namespace spindle
