#include "proteins/independent_model.h"

#include <cmath>

#include "proteins/amino_acids.h"

namespace spindle {

float IndependentModel::log_f(size_t column, uint8_t state) const {
  return log_frequency[column * kStates + state];
}

IndependentModel fit_independent_model(const uint8_t* states, size_t n, size_t length, const std::vector<float>& weights,
                                       double pseudocount) {
  std::vector<double> counts(length * kStates, 0.0);
  double total = 0.0;
  for (size_t s = 0; s < n; ++s) {
    const uint8_t* row = states + s * length;
    for (size_t i = 0; i < length; ++i) counts[i * kStates + row[i]] += weights[s];
    total += weights[s];
  }
  IndependentModel m;
  m.n_columns = length;
  m.log_frequency.resize(length * kStates);
  for (size_t k = 0; k < counts.size(); ++k)
    m.log_frequency[k] = static_cast<float>(std::log((counts[k] + pseudocount / kStates) / (total + pseudocount)));
  return m;
}

}  // namespace spindle
