#include "tests/models/golden_util.h"

using namespace spindle;

TEST(HyenaDNAGolden, ShortCaseMatchesReference) {
  SPINDLE_REQUIRE_SHARED();
  test::expect_matches_golden("hyenadna_tiny", "short");
}

TEST(HyenaDNAGolden, LongCaseAtFullContextMatchesReference) {
  SPINDLE_REQUIRE_SHARED();
  test::expect_matches_golden("hyenadna_tiny", "long");
}
