#include <gtest/gtest.h>

#include <cmath>

#include "proteins/amino_acids.h"
#include "proteins/independent_model.h"
#include "proteins/sequence_weights.h"
#include "tests/proteins/encode_rows.h"

namespace spindle {
namespace {

using test::encode_rows;

TEST(SequenceWeights, InverseNeighbourCountsOnHandMadeMsa) {
  // Pairwise differences (L = 5): s0-s1 1, s0-s3 2, s1-s3 1, s2-s4 0, everything else >= 3.
  auto states = encode_rows({"AAAAA", "AAAAC", "CCCCC", "AAACC", "CCCCC"});
  // theta 0.3: neighbours are identical at >= 3.5 columns (differ at <= 1).
  for (int threads : {1, 2}) {
    auto w = compute_sequence_weights(states.data(), 5, 5, 0.3, threads);
    EXPECT_FLOAT_EQ(w[0], 1.0f / 2);  // itself, s1
    EXPECT_FLOAT_EQ(w[1], 1.0f / 3);  // itself, s0, s3
    EXPECT_FLOAT_EQ(w[2], 1.0f / 2);  // itself, s4
    EXPECT_FLOAT_EQ(w[3], 1.0f / 2);  // itself, s1
    EXPECT_FLOAT_EQ(w[4], 1.0f / 2);
  }
  // theta 0.2 on 5 columns, the boundary case: plmc counts identity >= (1 - 0.2) x 5 = 4 columns,
  // so one difference still makes a neighbour, two do not.
  auto boundary = compute_sequence_weights(states.data(), 5, 5, 0.2, 2);
  EXPECT_FLOAT_EQ(boundary[0], 1.0f / 2);  // itself, s1
  EXPECT_FLOAT_EQ(boundary[1], 1.0f / 3);  // itself, s0, s3
  EXPECT_FLOAT_EQ(boundary[2], 1.0f / 2);  // itself, s4
  // theta 0.1: identity >= 4.5 columns, only identical rows.
  auto strict = compute_sequence_weights(states.data(), 5, 5, 0.1, 2);
  EXPECT_FLOAT_EQ(strict[0], 1.0f);
  EXPECT_FLOAT_EQ(strict[2], 0.5f);
}

TEST(IndependentModel, LogOddsMatchHandComputation) {
  auto states = encode_rows({"AK", "AK", "CR"});
  std::vector<float> w = {1, 1, 1};
  IndependentModel m = fit_independent_model(states.data(), 3, 2, w, 1.0);
  // f(A at 0) = (2 + 1/21) / 4, f(C at 0) = (1 + 1/21) / 4, f(D at 0) = (1/21) / 4.
  EXPECT_NEAR(m.log_f(0, state_of('A')), std::log((2 + 1.0 / 21) / 4), 1e-6);
  EXPECT_NEAR(m.log_f(0, state_of('C')) - m.log_f(0, state_of('A')), std::log(22.0 / 43.0), 1e-6);
  EXPECT_NEAR(m.log_f(1, state_of('D')), std::log(1.0 / 84), 1e-6);
  // Weighted: down-weighting the two A rows to 0.5 each makes A and C equally frequent.
  std::vector<float> w2 = {0.5f, 0.5f, 1.0f};
  IndependentModel m2 = fit_independent_model(states.data(), 3, 2, w2, 1.0);
  EXPECT_NEAR(m2.log_f(0, state_of('A')), m2.log_f(0, state_of('C')), 1e-6);
  double total = 0;
  for (int a = 0; a < kStates; ++a) total += std::exp(m2.log_f(1, static_cast<uint8_t>(a)));
  EXPECT_NEAR(total, 1.0, 1e-5);
}

}  // namespace
}  // namespace spindle
