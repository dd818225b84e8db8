// CUDA runtime wrappers, compiled only with SPINDLE_HAVE_CUDA. Every CUDA call is checked and
// reports file and line.
#pragma once

#include <cstddef>
#include <string>

namespace spindle::cuda {

int device_count();
std::string device_summary();
void* alloc(size_t bytes);
void free(void* ptr);
void copy(void* dst, bool dst_on_device, const void* src, bool src_on_device, size_t bytes);

}  // namespace spindle::cuda
