// Independent-sites model: per model column, weighted amino-acid frequencies with a pseudocount;
// a variant's score is the sum over its substitutions of log f_i(mutant) - log f_i(wild type).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace spindle {

struct IndependentModel {
  size_t n_columns = 0;
  std::vector<float> log_frequency;  // n_columns x kStates: log f_i(a), gap state included
  float log_f(size_t column, uint8_t state) const;
};

// f_i(a) = (sum of weights of rows with a at i + pseudocount / q) / (sum of weights + pseudocount).
// `states` is n x length row-major.
IndependentModel fit_independent_model(const uint8_t* states, size_t n, size_t length, const std::vector<float>& weights,
                                       double pseudocount = 1.0);

}  // namespace spindle
