// How a library run computes: the thread count and the device, as a value handed down from the
// command line (never global state set by a CLI file). A pipeline that receives a RunContext opens
// one ThreadScope for its duration; everything below it (OpenMP loops, oneDNN, FFTW) then uses
// that many threads.
#pragma once

#include "kernels/tensor.h"

namespace spindle {

struct RunContext {
  int threads = 0;               // 0 = every core
  Device device = Device::cpu;   // where models compute (resolve with resolve_device)
};

// Applies a thread count to OpenMP (and through it oneDNN and FFTW's OpenMP plans) until the
// scope ends, then restores the previous count. threads <= 0 leaves the count unchanged.
class ThreadScope {
 public:
  explicit ThreadScope(int threads);
  explicit ThreadScope(const RunContext& context) : ThreadScope(context.threads) {}
  ~ThreadScope();
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int previous_ = 0;
  bool active_ = false;
};

}  // namespace spindle
