// Issue 16: an exception (std::bad_alloc included) thrown inside a raw OpenMP region must come out
// of the region as that exception, not std::terminate, and must not deadlock the region's barriers.
#include <gtest/gtest.h>
#include <omp.h>

#include <new>
#include <stdexcept>
#include <vector>

#include "base/error.h"
#include "kernels/parallel_for.h"

using namespace spindle;

namespace {

// The shape of the guarded regions in index/, proteins/ and genomics/: per-thread set-up, then an
// `omp for` (with its barrier) whose iterations may throw.
void region(int throw_at, bool fail_setup_on_thread_1, int kind) {
  ParallelErrors errors;
  std::vector<int> done(1000, 0);
#pragma omp parallel num_threads(4)
  {
    std::vector<int> buffer;
    errors.guard([&] {
      if (fail_setup_on_thread_1 && omp_get_thread_num() == 1) throw std::bad_alloc();
      buffer.resize(16);
    });
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < 1000; ++i) {
      if (buffer.empty()) continue;
      errors.guard([&] {
        if (i == throw_at) {
          if (kind == 0) throw std::bad_alloc();
          if (kind == 1) throw Error("record 7: bad");
          throw std::runtime_error("other");
        }
        done[i] = 1;
      });
    }
  }
  errors.rethrow();
}

}  // namespace

TEST(ParallelErrors, ExceptionsOfAnyTypeLeaveTheRegionAsThemselves) {
  EXPECT_NO_THROW(region(-1, false, 0));
  EXPECT_THROW(region(500, false, 0), std::bad_alloc);
  EXPECT_THROW(region(3, false, 1), Error);
  EXPECT_THROW(region(999, false, 2), std::runtime_error);
  try {
    region(0, false, 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "record 7: bad");
  }
  // A failed per-thread set-up: the thread still reaches the `omp for` barrier (no deadlock).
  if (omp_get_max_threads() > 1) {
    EXPECT_THROW(region(-1, true, 0), std::bad_alloc);
  }
}

TEST(ParallelErrors, ParallelForEachRethrowsBadAlloc) {
  EXPECT_THROW(parallel_for_each(64, [](size_t i) {
                 if (i == 17) throw std::bad_alloc();
               }),
               std::bad_alloc);
}
