// Mamba2 golden (transformers layout, chunk 16 with L = 37 not a multiple of it, untied head) and
// the hybrid Mamba2 / attention / Mamba2 stack (2 groups, GQA, partial rotary, qkv conv, GatedMLP).
#include "tests/models/golden_util.h"

using namespace spindle;

TEST(Mamba2Golden, ShortCase) {
  SPINDLE_REQUIRE_SHARED();
  test::expect_matches_golden("mamba2_small", "short");
}

TEST(Mamba2Golden, LongCase) {
  SPINDLE_REQUIRE_SHARED();
  test::expect_matches_golden("mamba2_small", "long");
}

TEST(HybridGolden, ShortCase) {
  SPINDLE_REQUIRE_SHARED();
  test::expect_matches_golden("hybrid_mamba2_attn", "short");
}

TEST(HybridGolden, LongCase) {
  SPINDLE_REQUIRE_SHARED();
  test::expect_matches_golden("hybrid_mamba2_attn", "long");
}

TEST(HybridGolden, ArchitectureDetected) {
  SPINDLE_REQUIRE_SHARED();
  EXPECT_EQ(load_model(test::golden_dir("mamba2_small"))->info().architecture, "mamba2");
  auto hybrid = load_model(test::golden_dir("hybrid_mamba2_attn"));
  EXPECT_EQ(hybrid->info().architecture, "hybrid");
  EXPECT_EQ(hybrid->parameter_count(), 151280);
}
