#include "proteins/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace spindle {
namespace {

TEST(Metrics, SpearmanMatchesHandComputation) {
  // d = (0, 1, 1, 0): rho = 1 - 6 * 2 / (4 * 15) = 0.8
  EXPECT_NEAR(spearman({1, 2, 3, 4}, {1, 3, 2, 4}), 0.8, 1e-12);
  EXPECT_NEAR(spearman({1, 2, 3}, {30, 20, 10}), -1.0, 1e-12);
  // Ties take average ranks: x ranks (1.5, 1.5, 3), y ranks (1, 2, 3): Pearson of ranks = sqrt(3)/2.
  EXPECT_NEAR(spearman({5, 5, 7}, {1, 2, 3}), std::sqrt(3.0) / 2, 1e-12);
  EXPECT_TRUE(std::isnan(spearman({1, 1, 1}, {1, 2, 3})));
  EXPECT_EQ(average_ranks({10, 30, 20, 10}), (std::vector<double>{1.5, 4, 3, 1.5}));
}

TEST(Metrics, AucMatchesHandComputation) {
  // Positives 0.35, 0.8 vs negatives 0.1, 0.4: 3 of 4 pairs ordered.
  EXPECT_NEAR(roc_auc({0.1, 0.4, 0.35, 0.8}, {false, false, true, true}), 0.75, 1e-12);
  // A tie counts one half.
  EXPECT_NEAR(roc_auc({0.5, 0.5}, {false, true}), 0.5, 1e-12);
  EXPECT_TRUE(std::isnan(roc_auc({1, 2}, {true, true})));
}

TEST(Metrics, NdcgMatchesHandComputation) {
  // Gains after min-max scaling: (1, 2/3, 1/3, 0); top 2 by prediction are items 3 and 2.
  double dcg = 0.0 + (1.0 / 3) / std::log2(3.0);
  double ideal = 1.0 + (2.0 / 3) / std::log2(3.0);
  EXPECT_NEAR(ndcg_top_fraction({3, 2, 1, 0}, {0, 1, 2, 3}, 0.5), dcg / ideal, 1e-12);
  EXPECT_NEAR(ndcg_top_fraction({3, 2, 1, 0}, {3, 2, 1, 0}, 0.5), 1.0, 1e-12);
}

}  // namespace
}  // namespace spindle
