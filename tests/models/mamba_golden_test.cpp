// Mamba (v1) goldens: transformers key layout with the tied head omitted (mamba_tiny), and the
// native mamba_ssm layout with vocabulary padding (mamba1_native_tiny).
#include "tests/models/golden_util.h"

using namespace spindle;

TEST(MambaGolden, HfLayoutShortCase) {
  SPINDLE_REQUIRE_SHARED();
  test::expect_matches_golden("mamba_tiny", "short");
}

TEST(MambaGolden, HfLayoutLongCase) {
  SPINDLE_REQUIRE_SHARED();
  test::expect_matches_golden("mamba_tiny", "long");
}

TEST(MambaGolden, NativeLayoutShortCase) {
  SPINDLE_REQUIRE_SHARED();
  test::expect_matches_golden("mamba1_native_tiny", "short");
}

TEST(MambaGolden, NativeLayoutLongCase) {
  SPINDLE_REQUIRE_SHARED();
  test::expect_matches_golden("mamba1_native_tiny", "long");
}

TEST(MambaGolden, ArchitectureDetected) {
  SPINDLE_REQUIRE_SHARED();
  EXPECT_EQ(load_model(test::golden_dir("mamba_tiny"))->info().architecture, "mamba");
  auto native = load_model(test::golden_dir("mamba1_native_tiny"));
  EXPECT_EQ(native->info().architecture, "mamba");
  EXPECT_EQ(native->info().vocab_size_padded, 56);
  EXPECT_EQ(native->parameter_count(), 69056);
}
