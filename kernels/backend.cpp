#include "kernels/backend.h"

#include <omp.h>

#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "kernels/cuda/backend_table.h"

namespace spindle {

bool cuda_compiled() {
#ifdef SPINDLE_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

bool cuda_available() {
#ifdef SPINDLE_HAVE_CUDA
  static const bool available = cuda::backend_loaded() && cuda::backend().device_count() > 0;
  return available;
#else
  return false;
#endif
}

std::string cuda_device_summary() {
#ifdef SPINDLE_HAVE_CUDA
  std::string why;
  if (!cuda::backend_loaded(&why)) return why;
  return cuda::backend().device_summary();
#else
  return "CUDA not compiled in";
#endif
}

void* cuda_alloc(size_t bytes) {
#ifdef SPINDLE_HAVE_CUDA
  return cuda::backend().alloc(bytes);
#else
  (void)bytes;
  throw Error("CUDA memory requested but spindle was built without CUDA");
#endif
}

void cuda_free(void* ptr) {
#ifdef SPINDLE_HAVE_CUDA
  cuda::backend().free(ptr);
#else
  (void)ptr;
#endif
}

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, size_t bytes) {
  if (bytes == 0) return;
  if (dst_device == Device::cpu && src_device == Device::cpu) {
    std::memcpy(dst, src, bytes);
    return;
  }
#ifdef SPINDLE_HAVE_CUDA
  cuda::backend().copy(dst, dst_device == Device::cuda, src, src_device == Device::cuda, bytes);
#else
  throw Error("CUDA copy requested but spindle was built without CUDA");
#endif
}

Device resolve_device(const std::string& name) {
  if (name == "cpu") return Device::cpu;
  if (name == "auto") return cuda_available() ? Device::cuda : Device::cpu;
  if (name == "cuda") {
    if (!cuda_available()) throw Error("--device cuda: no usable GPU (" + cuda_device_summary() + ")");
    return Device::cuda;
  }
  throw UsageError("--device must be auto, cpu or cuda, not '" + name + "'");
}

std::string cpu_features_summary() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model;
  std::set<std::string> flags;
  while (std::getline(cpuinfo, line)) {
    if (model.empty() && line.rfind("model name", 0) == 0) model = line.substr(line.find(':') + 2);
    if (flags.empty() && line.rfind("flags", 0) == 0) {
      std::istringstream words(line.substr(line.find(':') + 1));
      std::string w;
      while (words >> w) flags.insert(w);
    }
  }
  std::string out = model.empty() ? "unknown CPU" : model;
  std::string simd;
  for (const char* f : {"avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16"})
    if (flags.count(f)) simd += std::string(simd.empty() ? "" : " ") + f;
  return out + " (" + (simd.empty() ? "baseline x86-64" : simd) + ")";
}

static int g_threads = 0;

void set_num_threads(int threads) {
  g_threads = threads;
  if (threads > 0) omp_set_num_threads(threads);
}

int num_threads() { return g_threads > 0 ? g_threads : omp_get_max_threads(); }

}  // namespace spindle
