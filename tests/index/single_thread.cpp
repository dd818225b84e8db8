// The index tests use small data, where threads buy nothing; on a loaded 2-core machine OpenMP's
// spin-waiting turned FAISS's many short parallel regions into seconds of waiting per test
// (11 s vs 0.08 s for one PQ training). So this suite runs FAISS on one thread.
#include <omp.h>

namespace {
const int kOneThread = [] {
  omp_set_num_threads(1);
  return 1;
}();
}  // namespace
