// Agreement between predicted scores and measured fitness, as variant-effect benchmarks report it
// (ProteinGym): Spearman rank correlation, ROC AUC against a binary label, NDCG of the top 10%.
// Callers drop variants without a score first; all vectors have equal length.
#pragma once

#include <vector>

namespace spindle {

// Ranks 1..n, ties get their average rank.
std::vector<double> average_ranks(const std::vector<double>& values);
// Pearson correlation of the average ranks; NaN when either side is constant or n < 2.
double spearman(const std::vector<double>& x, const std::vector<double>& y);
// Probability that a random positive scores above a random negative (ties count 1/2), by ranks
// (Mann-Whitney U). NaN without both classes.
double roc_auc(const std::vector<double>& scores, const std::vector<bool>& positive);
// NDCG over the top `fraction` (e.g. 0.1) of variants by predicted score, gains = measured values
// min-max scaled to [0, 1], discount 1 / log2(rank + 1); normalised by the ideal ordering.
double ndcg_top_fraction(const std::vector<double>& measured, const std::vector<double>& predicted, double fraction);

}  // namespace spindle
