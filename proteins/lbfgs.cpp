#include "proteins/lbfgs.h"

#include <omp.h>

#include <cmath>
#include <deque>

namespace spindle {

namespace {

struct VectorOps {
  int threads;
  double dot(const std::vector<float>& a, const std::vector<float>& b) const {
    double s = 0.0;
    const size_t n = a.size();
#pragma omp parallel for reduction(+ : s) num_threads(threads) schedule(static)
    for (size_t k = 0; k < n; ++k) s += static_cast<double>(a[k]) * b[k];
    return s;
  }
  // y += alpha * x
  void axpy(double alpha, const std::vector<float>& x, std::vector<float>& y) const {
    const size_t n = x.size();
    const float a = static_cast<float>(alpha);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t k = 0; k < n; ++k) y[k] += a * x[k];
  }
  void scale(double alpha, std::vector<float>& y) const {
    const size_t n = y.size();
    const float a = static_cast<float>(alpha);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t k = 0; k < n; ++k) y[k] *= a;
  }
  // out = a - b
  void difference(const std::vector<float>& a, const std::vector<float>& b, std::vector<float>& out) const {
    const size_t n = a.size();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t k = 0; k < n; ++k) out[k] = a[k] - b[k];
  }
};

struct Correction {
  std::vector<float> s, y;
  double rho;
};

}  // namespace

LbfgsResult minimize_lbfgs(std::vector<float>& x, const LbfgsObjective& f, const LbfgsOptions& options,
                           const LbfgsProgress& progress) {
  VectorOps ops{options.threads > 0 ? options.threads : omp_get_max_threads()};
  const size_t n = x.size();
  LbfgsResult result;
  std::vector<float> g(n), d(n), x_new(n), g_new(n);
  double fx = f(x, g);
  ++result.evaluations;
  std::deque<Correction> history;
  std::vector<double> alpha(options.history);
  int slow_iterations = 0;

  for (int it = 0; it < options.max_iterations; ++it) {
    double gnorm = std::sqrt(ops.dot(g, g));
    double xnorm = std::sqrt(ops.dot(x, x));
    result.objective = fx;
    result.gradient_norm = gnorm;
    if (gnorm / std::max(1.0, xnorm) < options.gradient_tolerance) {
      result.stop_reason = "gradient below tolerance";
      return result;
    }

    // Two-loop recursion: d = -H g.
    d = g;
    for (int k = static_cast<int>(history.size()) - 1; k >= 0; --k) {
      alpha[k] = history[k].rho * ops.dot(history[k].s, d);
      ops.axpy(-alpha[k], history[k].y, d);
    }
    if (!history.empty()) {
      const Correction& last = history.back();
      ops.scale(1.0 / (last.rho * ops.dot(last.y, last.y)), d);  // gamma = s.y / y.y
    }
    for (size_t k = 0; k < history.size(); ++k) {
      double beta = history[k].rho * ops.dot(history[k].y, d);
      ops.axpy(alpha[k] - beta, history[k].s, d);
    }
    ops.scale(-1.0, d);
    double slope = ops.dot(g, d);
    if (slope >= 0) {  // not a descent direction (numerical trouble): restart from steepest descent
      history.clear();
      d = g;
      ops.scale(-1.0, d);
      slope = -gnorm * gnorm;
    }

    // Backtracking line search on the Armijo condition; the first step is scaled to unit length.
    double step = history.empty() ? 1.0 / std::max(gnorm, 1e-12) : 1.0;
    double f_new = 0.0;
    bool accepted = false;
    for (int ls = 0; ls < options.max_line_search; ++ls) {
      x_new = x;
      ops.axpy(step, d, x_new);
      f_new = f(x_new, g_new);
      ++result.evaluations;
      if (std::isfinite(f_new) && f_new <= fx + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) {
      result.stop_reason = "line search failed";
      return result;
    }

    Correction c;
    c.s.resize(n);
    c.y.resize(n);
    ops.difference(x_new, x, c.s);
    ops.difference(g_new, g, c.y);
    double sy = ops.dot(c.s, c.y);
    if (sy > 1e-10) {  // keep only curvature-positive pairs so H stays positive definite
      c.rho = 1.0 / sy;
      if (static_cast<int>(history.size()) == options.history) history.pop_front();
      history.push_back(std::move(c));
    }
    double decrease = (fx - f_new) / std::max(1.0, std::fabs(f_new));
    x.swap(x_new);
    g.swap(g_new);
    fx = f_new;
    result.iterations = it + 1;
    result.objective = fx;
    if (progress) progress(it + 1, fx, std::sqrt(ops.dot(g, g)));
    slow_iterations = decrease < options.relative_decrease ? slow_iterations + 1 : 0;
    if (slow_iterations >= 3) {
      result.stop_reason = "objective converged";
      result.gradient_norm = std::sqrt(ops.dot(g, g));
      return result;
    }
  }
  result.stop_reason = "iteration limit";
  result.gradient_norm = std::sqrt(ops.dot(g, g));
  return result;
}

}  // namespace spindle
