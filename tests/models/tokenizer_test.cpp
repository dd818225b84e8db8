#include <gtest/gtest.h>

#include "models/tokenizer.h"

using namespace spindle;

TEST(Tokenizer, DnaUsesHyenaIdsAndCountsUnknowns) {
  DnaTokens t = tokenize_dna("ACGTNacgtnRX", /*append_sep=*/true);
  EXPECT_EQ(t.ids, (std::vector<int64_t>{7, 8, 9, 10, 11, 7, 8, 9, 10, 11, 6, 6, 1}));
  EXPECT_EQ(t.unknown_count, 2);
}

TEST(Tokenizer, EsmAlphabet) {
  EXPECT_EQ(tokenize_esm("LAGC"), (std::vector<int64_t>{0, 4, 5, 6, 23, 2}));
  EXPECT_EQ(esm_token('-'), 30);
  EXPECT_EQ(esm_token('*'), esm_tokens::kUnk);
  EXPECT_EQ(tranception_token('A'), 5);
  EXPECT_EQ(tranception_token('Y'), 24);
}
