#include "kernels/run_context.h"

#include <omp.h>

#include "kernels/backend.h"

namespace spindle {

ThreadScope::ThreadScope(int threads) {
  if (threads <= 0) return;
  previous_ = num_threads();
  active_ = true;
  set_num_threads(threads);
}

ThreadScope::~ThreadScope() {
  if (active_) set_num_threads(previous_);
}

}  // namespace spindle
