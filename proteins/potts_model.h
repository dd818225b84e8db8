// A Potts model over the model columns of a family alignment:
//   H(x) = sum_i h_i(x_i) + sum_{i<j} J_ij(x_i, x_j),
// higher H = more like the family. Variant scores are H(mutant) - H(wild type) (EVmutation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "proteins/amino_acids.h"

namespace spindle {

struct PottsModel {
  size_t n_columns = 0;
  std::vector<float> fields;     // n_columns x kStates
  std::vector<float> couplings;  // pairs (i<j, in pair_index order) x kStates x kStates: [a][b] = J_ij(a, b)

  static size_t n_pairs(size_t length) { return length * (length - 1) / 2; }
  // Index of pair (i, j), i < j, in the order (0,1), (0,2), ..., (1,2), ...
  size_t pair_index(size_t i, size_t j) const { return i * n_columns - i * (i + 1) / 2 + (j - i - 1); }
  // J_ij(a, b) for any i != j.
  float coupling(size_t i, size_t j, uint8_t a, uint8_t b) const;
  // The full Hamiltonian of a sequence of n_columns states.
  double energy(const uint8_t* states) const;
  // H(mutant) - H(wild type) where the mutant is `wild_type` with `changes` (column, new state)
  // applied; columns must be distinct. O(k L) for k changes; pairs of changed columns included.
  double delta_energy(const std::vector<uint8_t>& wild_type, const std::vector<std::pair<size_t, uint8_t>>& changes) const;
};

}  // namespace spindle
