#include "proteins/potts_model.h"

namespace spindle {

float PottsModel::coupling(size_t i, size_t j, uint8_t a, uint8_t b) const {
  if (i < j) return couplings[(pair_index(i, j) * kStates + a) * kStates + b];
  return couplings[(pair_index(j, i) * kStates + b) * kStates + a];
}

double PottsModel::energy(const uint8_t* x) const {
  double h = 0.0;
  for (size_t i = 0; i < n_columns; ++i) {
    h += fields[i * kStates + x[i]];
    for (size_t j = i + 1; j < n_columns; ++j) h += coupling(i, j, x[i], x[j]);
  }
  return h;
}

double PottsModel::delta_energy(const std::vector<uint8_t>& wt, const std::vector<std::pair<size_t, uint8_t>>& changes) const {
  std::vector<uint8_t> mutant = wt;
  std::vector<bool> changed(n_columns, false);
  for (auto [col, state] : changes) {
    mutant[col] = state;
    changed[col] = true;
  }
  double delta = 0.0;
  for (size_t c = 0; c < changes.size(); ++c) {
    size_t i = changes[c].first;
    delta += fields[i * kStates + mutant[i]] - fields[i * kStates + wt[i]];
    for (size_t j = 0; j < n_columns; ++j) {
      if (j == i) continue;
      // A pair of two changed columns is visited from both ends: count it once (from the lower).
      if (changed[j] && j < i) continue;
      delta += coupling(i, j, mutant[i], mutant[j]) - coupling(i, j, wt[i], wt[j]);
    }
  }
  return delta;
}

}  // namespace spindle
