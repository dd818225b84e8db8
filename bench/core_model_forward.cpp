// `bench_core_model_forward DIR IDS.npy [HIDDEN.npy] [threads]`: what `spindle model forward DIR
// --ids IDS.npy --hidden HIDDEN.npy -t threads` does, built on the core library alone, so it can
// be compiled without CUDA (a CUDA-enabled binary spends seconds and ~200 MB loading cuBLAS/cuFFT
// at start-up even on a machine without a GPU, which would swamp a 1k-token measurement).
// Prints load and forward seconds on stderr.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "kernels/backend.h"
#include "kernels/io/npy.h"
#include "models/registry.h"

using namespace spindle;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DIR IDS.npy [HIDDEN.npy] [threads]\n", argv[0]);
    return 2;
  }
  try {
    set_num_threads(argc > 4 ? std::atoi(argv[4]) : 0);
    const auto t0 = std::chrono::steady_clock::now();
    auto model = load_model(argv[1]);
    Tensor ids = read_npy(argv[2]);
    const auto t1 = std::chrono::steady_clock::now();
    ForwardRequest request;
    request.want_logits = false;
    ForwardResult r = model->forward(ids, request);
    const auto t2 = std::chrono::steady_clock::now();
    if (argc > 3) write_npy(argv[3], r.hidden);
    std::fprintf(stderr, "load_s=%.3f forward_s=%.3f tokens=%lld\n", std::chrono::duration<double>(t1 - t0).count(),
                 std::chrono::duration<double>(t2 - t1).count(), static_cast<long long>(ids.numel()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
