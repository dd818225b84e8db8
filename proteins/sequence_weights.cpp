#include "proteins/sequence_weights.h"

#include <omp.h>

#include <cmath>

#include "proteins/msa.h"
#include "kernels/parallel_for.h"

namespace spindle {

namespace {

// Number of differing bytes; a plain loop the compiler vectorises for each clone.
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
size_t count_mismatches(const uint8_t* a, const uint8_t* b, size_t length) {
  size_t diff = 0;
  for (size_t k = 0; k < length; ++k) diff += a[k] != b[k];
  return diff;
}

}  // namespace

std::vector<float> compute_sequence_weights(const uint8_t* states, size_t n, size_t length, double theta,
                                            int threads) {
  // plmc's rule: a neighbour shares at least (1 - theta) * L identical columns (gaps included),
  // i.e. "80% identity" at theta 0.2. Written as plmc writes it, so the boundary (L a multiple of
  // 1 / theta) falls the same way.
  const double min_identical = (1.0 - theta) * static_cast<double>(length);
  std::vector<uint32_t> neighbours(n, 1);  // itself
  int n_threads = threads > 0 ? threads : omp_get_max_threads();
  // The per-thread counts can fail to allocate: std::bad_alloc must not leave the OpenMP region,
  // and every thread must still reach the `omp for`, so a failed thread skips its rows.
  ParallelErrors errors;
#pragma omp parallel num_threads(n_threads)
  {
    std::vector<uint32_t> local;
    errors.guard([&] { local.assign(n, 0); });
    // Row i compares with rows after it; dynamic scheduling evens out the shrinking rows.
#pragma omp for schedule(dynamic, 16)
    for (size_t i = 0; i < n; ++i) {
      if (local.size() != n) continue;
      const uint8_t* a = states + i * length;
      for (size_t j = i + 1; j < n; ++j) {
        if (static_cast<double>(length - count_mismatches(a, states + j * length, length)) >= min_identical) {
          ++local[i];
          ++local[j];
        }
      }
    }
#pragma omp critical
    for (size_t i = 0; i < local.size(); ++i) neighbours[i] += local[i];
  }
  errors.rethrow();
  std::vector<float> weights(n);
  for (size_t i = 0; i < n; ++i) weights[i] = 1.0f / static_cast<float>(neighbours[i]);
  return weights;
}

std::vector<float> compute_sequence_weights(const FocusAlignment& a, double theta, int threads) {
  return compute_sequence_weights(a.states.data(), a.n_sequences, a.n_columns, theta, threads);
}

}  // namespace spindle
