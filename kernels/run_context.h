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
  // --device auto: each model picks at load time, CUDA when its architecture runs there and a GPU is
  // visible, else the CPU (`device` is then ignored). Deciding late means a run that loads no
  // model, or one the GPU cannot run, never loads the CUDA backend.
  bool device_auto = false;
  // The dtype of models' GEMM weights: f32, or bf16 (rounded activations, f32 accumulation).
  DType precision = DType::f32;
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
