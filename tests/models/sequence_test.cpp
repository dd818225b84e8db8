#include <gtest/gtest.h>

#include "models/sequence.h"

using namespace spindle;

TEST(Sequence, ReverseComplement) {
  EXPECT_EQ(reverse_complement("AACGTn"), "nACGTT");
  EXPECT_EQ(reverse_complement(reverse_complement("GATTACA")), "GATTACA");
}
