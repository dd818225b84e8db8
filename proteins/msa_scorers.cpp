#include "proteins/msa_scorers.h"

#include <limits>

#include "base/error.h"

namespace spindle {

namespace {

class MsaScorer : public VariantScorer {
 public:
  MsaScorer(std::shared_ptr<const FamilyModel> model, const WildType& wt, MsaScorerKind kind)
      : model_(std::move(model)), kind_(kind), focus_states_(model_->focus_states()) {
    const FocusAlignment& c = model_->columns;
    SPINDLE_ASSERT(c.column_position.size() == c.n_columns);
    column_of_index_.assign(wt.sequence.size(), -1);
    for (size_t col = 0; col < c.n_columns; ++col) {
      int64_t index = c.column_position[col] - wt.first_position;
      if (index >= 0 && index < static_cast<int64_t>(wt.sequence.size())) column_of_index_[static_cast<size_t>(index)] = static_cast<int64_t>(col);
    }
  }

  std::string name() const override { return kind_ == MsaScorerKind::kPotts ? "potts" : "independent"; }

  ScoreResult score(const std::vector<Variant>& variants) const override {
    ScoreResult r;
    r.scores.resize(variants.size(), std::numeric_limits<double>::quiet_NaN());
    std::vector<std::pair<size_t, uint8_t>> changes;
    for (size_t v = 0; v < variants.size(); ++v) {
      const Variant& var = variants[v];
      if (var.kind == VariantKind::kWildType) {
        r.scores[v] = 0.0;
        continue;
      }
      if (var.kind != VariantKind::kSubstitutions) {
        ++r.unscorable[variant_kind_name(var.kind)];
        continue;
      }
      changes.clear();
      bool covered = true;
      for (const Substitution& s : var.substitutions) {
        SPINDLE_ASSERT(s.index >= 0 && static_cast<size_t>(s.index) < column_of_index_.size());
        int64_t col = column_of_index_[static_cast<size_t>(s.index)];
        if (col < 0) {
          covered = false;
          break;
        }
        if (s.from != s.to) changes.emplace_back(static_cast<size_t>(col), state_of(s.to));
      }
      if (!covered) {
        ++r.unscorable["position outside the alignment's model columns"];
        continue;
      }
      r.scores[v] = kind_ == MsaScorerKind::kPotts ? model_->potts->delta_energy(focus_states_, changes)
                                                   : independent_delta(changes);
    }
    return r;
  }

 private:
  double independent_delta(const std::vector<std::pair<size_t, uint8_t>>& changes) const {
    double d = 0.0;
    for (auto [col, state] : changes) d += model_->independent->log_f(col, state) - model_->independent->log_f(col, focus_states_[col]);
    return d;
  }

  std::shared_ptr<const FamilyModel> model_;
  MsaScorerKind kind_;
  std::vector<uint8_t> focus_states_;
  std::vector<int64_t> column_of_index_;  // wild-type index -> model column, -1 if none
};

}  // namespace

std::unique_ptr<VariantScorer> make_msa_scorer(std::shared_ptr<const FamilyModel> model, const WildType& wt,
                                               MsaScorerKind kind) {
  if (kind == MsaScorerKind::kPotts && !model->potts) throw Error("the model file has no Potts model (fit with --model potts or all)");
  if (kind == MsaScorerKind::kIndependent && !model->independent) throw Error("the model file has no independent-sites model");
  return std::make_unique<MsaScorer>(std::move(model), wt, kind);
}

}  // namespace spindle
