// Potts model fitting by L2-regularised pseudo-likelihood maximisation, as plmc / EVmutation do:
//   f(h, J) = - sum_n w_n sum_i log P(x_ni | x_n,-i) + lambda_h |h|^2 + lambda_J sum_{i<j} |J_ij|^2
// with P(a | rest) proportional to exp(h_i(a) + sum_{j != i} J_ij(a, x_j)), minimised by L-BFGS.
// Parameters are packed as PottsModel stores them: fields (L x q), then couplings (pairs x q x q).
//
// Gaps: by default they are missing data, as `plmc -g` (EVmutation's published runs, EVcouplings'
// ignore_gaps): the conditional at a gapped site is left out, a gapped neighbour contributes no
// coupling, and P(a | rest) runs over the 20 amino acids only. Every parameter that involves the
// gap state then stays exactly zero, so the model keeps the q = 21 layout. With ignore_gaps off,
// the gap is a 21st state like any other (plmc without -g).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "proteins/lbfgs.h"
#include "proteins/potts_model.h"

namespace spindle {

struct PlmOptions {
  double lambda_h = 0.01;
  double lambda_j = 0.01;
  bool scale_lambda_j = true;  // lambda_J x (q - 1) x (L - 1), q = 21: EVmutation's 0.2 (L - 1)
  bool ignore_gaps = true;     // gaps as missing data (plmc -g); false: the gap is a 21st state
  int max_iterations = 500;
  double gradient_tolerance = 1e-3;  // plmc's liblbfgs epsilon: stop at |g| / max(1, |x|) <= this
  // Also stop once the objective's relative decrease stays below this for 3 iterations: plmc's
  // gradient rule never fires on real families (see BENCHMARKS.md, proteins), this one does.
  double relative_decrease = 1e-6;
  int threads = 0;             // <= 0: OpenMP default
};

// The objective and its gradient over a fixed weighted alignment. Identical rows are merged
// (weights summed), which leaves the objective unchanged.
class PseudoLikelihood {
 public:
  // `states` is n x length row-major; weights per row.
  PseudoLikelihood(const uint8_t* states, size_t n, size_t length, const std::vector<float>& weights,
                   double lambda_h, double lambda_j, int threads, bool ignore_gaps);
  ~PseudoLikelihood();
  PseudoLikelihood(const PseudoLikelihood&) = delete;
  PseudoLikelihood& operator=(const PseudoLikelihood&) = delete;

  size_t n_parameters() const;
  size_t n_unique_sequences() const;
  // Objective at x; writes the gradient into `gradient` (resized to n_parameters()).
  double evaluate(const std::vector<float>& x, std::vector<float>& gradient);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct PlmReport {
  size_t n_unique_sequences = 0;
  double lambda_j = 0.0;  // after scaling
  LbfgsResult lbfgs;
};

// Fits a Potts model. Fields start at the independent-sites log-frequencies, couplings at zero.
// `progress` (optional) gets (iteration, objective, gradient norm).
PottsModel fit_potts_plm(const uint8_t* states, size_t n, size_t length, const std::vector<float>& weights,
                         const PlmOptions& options, PlmReport* report = nullptr, const LbfgsProgress& progress = {});

}  // namespace spindle
