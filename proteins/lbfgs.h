// Limited-memory BFGS (Nocedal & Wright, Algorithm 7.4 two-loop recursion) with a backtracking
// Armijo line search, on float parameter vectors with double-precision reductions. Written here
// rather than taken from a library: the Potts fit has ~15M parameters and wants float storage (to
// keep the history small) and OpenMP-parallel vector operations; Debian's liblbfgs-dev 1.10 (what
// plmc uses) is built for double precision and runs its vector updates on one thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace spindle {

struct LbfgsOptions {
  int history = 5;                   // m: correction pairs kept
  int max_iterations = 500;
  int max_line_search = 20;
  double gradient_tolerance = 1e-4;  // stop when |g| / max(1, |x|) falls below
  double relative_decrease = 1e-6;   // stop when (f_prev - f) / max(1, |f|) stays below for 3 iterations
  int threads = 0;                   // for the vector operations; <= 0 = OpenMP default
};

struct LbfgsResult {
  int iterations = 0;
  int evaluations = 0;
  double objective = 0.0;
  double gradient_norm = 0.0;
  std::string stop_reason;
};

// f(x, g) returns the objective at x and writes its gradient into g (same length as x).
using LbfgsObjective = std::function<double(const std::vector<float>& x, std::vector<float>& g)>;
// Called after each iteration with (iteration, objective, gradient norm).
using LbfgsProgress = std::function<void(int, double, double)>;

// Minimises f starting from x; x holds the best point found on return.
LbfgsResult minimize_lbfgs(std::vector<float>& x, const LbfgsObjective& f, const LbfgsOptions& options,
                           const LbfgsProgress& progress = {});

}  // namespace spindle
