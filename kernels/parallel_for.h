// An OpenMP loop that may throw: an exception escaping an OpenMP region terminates the process,
// so each iteration's exception is caught and the first one rethrown after the loop.
#pragma once

#include <cstddef>
#include <exception>

namespace spindle {

// Runs body(i) for i in [0, n) on the OpenMP threads, one index at a time (dynamic schedule: the
// iterations may differ a lot in cost). Nested OpenMP is off, so ops inside `body` run on one thread.
template <typename Body>
void parallel_for_each(size_t n, Body&& body) {
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 1) if (n > 1)
  for (size_t i = 0; i < n; ++i) {
    try {
      body(i);
    } catch (...) {
#pragma omp critical(spindle_parallel_for_each_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace spindle
