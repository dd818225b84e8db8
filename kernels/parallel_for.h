// An OpenMP loop that may throw: an exception escaping an OpenMP region terminates the process,
// so each iteration's exception is caught and the first one rethrown after the loop.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>

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

// For raw OpenMP regions (reductions, per-thread buffers, `omp for` inside `omp parallel`) that
// cannot use parallel_for_each: wrap each iteration's body (and any per-thread set-up) in guard(),
// which records the first exception of any type (std::bad_alloc included) instead of letting it
// leave the region, then call rethrow() after the region. Every thread still reaches every
// worksharing construct and barrier, so nothing deadlocks.
class ParallelErrors {
 public:
  template <typename F>
  void guard(F&& f) noexcept {
    try {
      f();
    } catch (...) {
      record(std::current_exception());
    }
  }
  // True once any guarded body has thrown (other iterations may skip their work).
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  // Rethrows the first recorded exception, if any. Call outside the parallel region.
  void rethrow() const {
    if (first_) std::rethrow_exception(first_);
  }

 private:
  void record(std::exception_ptr e) noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!first_) first_ = std::move(e);
    failed_.store(true, std::memory_order_relaxed);
  }
  std::mutex mutex_;
  std::exception_ptr first_;
  std::atomic<bool> failed_{false};
};

}  // namespace spindle
