// Caduceus goldens: BiMamba with tied in/out projections omitted from the file (caduceus_tiny),
// and Caduceus-PS with the fused-path half swap, RCPS embedding and LM head (caduceus_ps_tiny).
#include "tests/models/golden_util.h"

using namespace spindle;

TEST(CaduceusGolden, PhShortCase) {
  SPINDLE_REQUIRE_SHARED();
  test::expect_matches_golden("caduceus_tiny", "short");
}

TEST(CaduceusGolden, PhLongCase) {
  SPINDLE_REQUIRE_SHARED();
  test::expect_matches_golden("caduceus_tiny", "long");
}

TEST(CaduceusGolden, PsShortCase) {
  SPINDLE_REQUIRE_SHARED();
  test::expect_matches_golden("caduceus_ps_tiny", "short");
}

TEST(CaduceusGolden, PsLongCase) {
  SPINDLE_REQUIRE_SHARED();
  test::expect_matches_golden("caduceus_ps_tiny", "long");
}

TEST(CaduceusGolden, InfoAndParameterCount) {
  SPINDLE_REQUIRE_SHARED();
  auto ph = load_model(test::golden_dir("caduceus_tiny"));
  EXPECT_EQ(ph->info().architecture, "caduceus");
  EXPECT_FALSE(ph->info().causal);
  EXPECT_TRUE(ph->info().is_dna);
  EXPECT_EQ(ph->parameter_count(), 82624);
  auto ps = load_model(test::golden_dir("caduceus_ps_tiny"));
  EXPECT_EQ(ps->info().hidden_size_out, 64);
  EXPECT_EQ(ps->parameter_count(), 28000);
}
