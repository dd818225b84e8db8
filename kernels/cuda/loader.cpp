// Loads libspindle_cuda.so on first use (see backend_table.h for why it is not linked).
// Search order: $SPINDLE_CUDA_BACKEND, the directory of the running executable, then the dynamic
// loader's own path. Nothing is loaded when no NVIDIA driver (libcuda.so.1) can be opened.
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "base/error.h"
#include "kernels/cuda/backend_table.h"

namespace spindle::cuda {
namespace {

struct LoadState {
  const BackendTable* table = nullptr;
  std::string why;
};

std::string executable_dir() {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return ".";
  std::string p(path, static_cast<size_t>(n));
  return p.substr(0, p.find_last_of('/'));
}

LoadState load() {
  LoadState state;
#ifndef SPINDLE_HAVE_CUDA
  state.why = "spindle was built without CUDA";
  return state;
#else
  // SPINDLE_TRACE_CUDA_LOAD=1 makes the attempt visible, so tests can check that a CPU run never
  // makes it (on a machine without a driver as much as on a GPU host).
  if (const char* trace = std::getenv("SPINDLE_TRACE_CUDA_LOAD"); trace && *trace == '1')
    std::fprintf(stderr, "[spindle] looking for the CUDA backend\n");
  if (!dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL)) {
    state.why = "CUDA compiled in, no NVIDIA driver (libcuda.so.1 not found)";
    return state;
  }
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("SPINDLE_CUDA_BACKEND")) candidates.push_back(env);
  candidates.push_back(executable_dir() + "/libspindle_cuda.so");
  candidates.push_back("libspindle_cuda.so");
  std::string errors;
  for (const auto& path : candidates) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      errors += std::string(errors.empty() ? "" : "; ") + dlerror();
      continue;
    }
    auto entry = reinterpret_cast<const BackendTable* (*)()>(dlsym(handle, "spindle_cuda_backend_table"));
    if (!entry) {
      errors += "; " + path + ": no spindle_cuda_backend_table";
      continue;
    }
    const BackendTable* table = entry();
    if (table->abi_version != kBackendAbiVersion) {
      errors += "; " + path + ": backend ABI " + std::to_string(table->abi_version) + ", expected " +
                std::to_string(kBackendAbiVersion);
      continue;
    }
    state.table = table;
    return state;
  }
  state.why = "CUDA backend library not loadable: " + errors;
  return state;
#endif
}

std::atomic<bool> g_load_attempted{false};

const LoadState& state() {
  static const LoadState s = load();
  g_load_attempted.store(true, std::memory_order_release);
  return s;
}

}  // namespace

bool backend_loaded(std::string* why) {
  if (why) *why = state().why;
  return state().table != nullptr;
}

const BackendTable* backend_if_loaded() {
  if (!g_load_attempted.load(std::memory_order_acquire)) return nullptr;
  return state().table;
}

const BackendTable& backend() {
  if (!state().table) throw Error(state().why);
  return *state().table;
}

}  // namespace spindle::cuda
