#include "proteins/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace spindle {

std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> ranks(v.size());
  for (size_t start = 0; start < order.size();) {
    size_t end = start + 1;
    while (end < order.size() && v[order[end]] == v[order[start]]) ++end;
    double rank = 0.5 * static_cast<double>(start + 1 + end);  // mean of ranks start+1 .. end
    for (size_t k = start; k < end; ++k) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (x.size() != y.size() || x.size() < 2) return nan;
  std::vector<double> rx = average_ranks(x), ry = average_ranks(y);
  const double n = static_cast<double>(x.size());
  double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / n, my = std::accumulate(ry.begin(), ry.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t k = 0; k < rx.size(); ++k) {
    sxy += (rx[k] - mx) * (ry[k] - my);
    sxx += (rx[k] - mx) * (rx[k] - mx);
    syy += (ry[k] - my) * (ry[k] - my);
  }
  if (sxx == 0 || syy == 0) return nan;
  return sxy / std::sqrt(sxx * syy);
}

double roc_auc(const std::vector<double>& scores, const std::vector<bool>& positive) {
  std::vector<double> ranks = average_ranks(scores);
  double n_pos = 0, rank_sum = 0;
  for (size_t k = 0; k < scores.size(); ++k)
    if (positive[k]) {
      n_pos += 1;
      rank_sum += ranks[k];
    }
  double n_neg = static_cast<double>(scores.size()) - n_pos;
  if (n_pos == 0 || n_neg == 0) return std::numeric_limits<double>::quiet_NaN();
  return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg);
}

double ndcg_top_fraction(const std::vector<double>& measured, const std::vector<double>& predicted, double fraction) {
  const size_t n = measured.size();
  size_t k = static_cast<size_t>(std::floor(static_cast<double>(n) * fraction));
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  k = std::max<size_t>(k, 1);
  auto [lo, hi] = std::minmax_element(measured.begin(), measured.end());
  double range = *hi - *lo;
  std::vector<double> gain(n);
  for (size_t i = 0; i < n; ++i) gain[i] = range > 0 ? (measured[i] - *lo) / range : 1.0;
  auto dcg = [&](const std::vector<double>& key) {
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key[a] > key[b]; });
    double s = 0;
    for (size_t r = 0; r < k; ++r) s += gain[order[r]] / std::log2(static_cast<double>(r) + 2.0);
    return s;
  };
  double ideal = dcg(measured);
  return ideal > 0 ? dcg(predicted) / ideal : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace spindle
