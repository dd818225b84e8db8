// Checked CUDA calls: a failure throws spindle::Error naming the call, file and line.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "base/error.h"

#define SPINDLE_CUDA_CHECK(call)                                                          \
  do {                                                                                    \
    cudaError_t status_ = (call);                                                         \
    if (status_ != cudaSuccess)                                                           \
      throw ::spindle::Error(std::string("CUDA error: ") + cudaGetErrorString(status_) + \
                             " in " #call " at " __FILE__ ":" + std::to_string(__LINE__)); \
  } while (0)
