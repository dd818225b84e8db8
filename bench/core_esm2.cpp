// ESM-2 forward timing for the side-by-side benchmark with bench/esm2_ref.py (see
// bench/esm2_bench.sh). One configuration per process, so the peak RSS is that configuration's.
//   bench_core_esm2 MODEL_DIR BATCH LENGTH [THREADS] [REPS]
// Prints one JSON line: median seconds per forward pass (after one warm-up) and peak RSS.
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "models/registry.h"

using namespace spindle;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s MODEL_DIR BATCH LENGTH [THREADS] [REPS]\n", argv[0]);
    return 2;
  }
  const int64_t B = std::atoll(argv[2]), L = std::atoll(argv[3]);
  const int threads = argc > 4 ? std::atoi(argv[4]) : 2, reps = argc > 5 ? std::atoi(argv[5]) : 3;
  omp_set_num_threads(threads);
  auto model = load_model(argv[1]);
  Tensor ids = Tensor::empty({B, L}, DType::i64);
  std::mt19937 rng(1);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < L; ++t)
      ids.data<int64_t>()[b * L + t] = t == 0 ? 0 : t == L - 1 ? 2 : std::uniform_int_distribution<int>(4, 23)(rng);
  ForwardRequest request;  // logits and last hidden state, as the PyTorch reference returns
  model->forward(ids, request);
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    model->forward(ids, request);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("{\"impl\": \"spindle\", \"batch\": %lld, \"length\": %lld, \"threads\": %d, \"median_s\": %.4f, "
              "\"peak_rss_mib\": %.1f}\n",
              static_cast<long long>(B), static_cast<long long>(L), threads, times[times.size() / 2],
              ru.ru_maxrss / 1024.0);
  return 0;
}
